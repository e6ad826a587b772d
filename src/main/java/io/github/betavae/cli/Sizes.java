package io.github.betavae.cli;

import io.github.betavae.model.VaeConfig;
import java.util.Locale;

/**
 * Checks that a batch of a network fits before anything is allocated or written: no buffer longer than
 * a Java array, and, on the CPU engine, activations plus weights within the JVM's heap. Sizes are
 * computed in long, so no product overflows on the way; a refusal says what would fit.
 */
final class Sizes {
  private Sizes() {}

  /**
   * @param flag the option that set the batch, for the message
   * @param batch samples per pass
   * @param perParam buffers of parameter size the command holds (weights, gradients, Adam's two moments: 4
   *     for training, 2 for a forward-only command)
   * @param heap whether the arrays live on the Java heap (the CPU engine)
   */
  static void checkBatch(String flag, long batch, VaeConfig c, int perParam, boolean heap) {
    long widest = c.widest();
    long arrayFit = VaeConfig.MAX_ELEMENTS / widest;
    if (batch > arrayFit) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s %d is too large for this network: one batch needs "
          + "buffers of %,d values (batch × %d), more than a Java array holds (%,d); at most %,d fits", flag, batch,
          batch * widest, widest, VaeConfig.MAX_ELEMENTS, arrayFit));
    }
    if (!heap) return;
    long fixed = 4L * perParam * c.parameterCount();
    long perSample = 4L * c.workspacePerSample() + 4L * c.inputSize(); // plus the host copy of the input batch
    long max = Runtime.getRuntime().maxMemory();
    // Leave a quarter of the heap for data, figures and the JVM itself.
    long budget = max / 4 * 3 - fixed;
    long need = fixed + batch * perSample;
    if (budget < perSample || batch > budget / perSample) {
      long fits = Math.max(0, budget / perSample);
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s %d needs about %s for this network (%s of weights "
          + "and optimizer state, %s of activations) but the JVM may use %s; at most about %,d fits, or give java more "
          + "memory (-Xmx)", flag, batch, gib(need), gib(fixed), gib(batch * perSample), gib(max), fits));
    }
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  }
}
