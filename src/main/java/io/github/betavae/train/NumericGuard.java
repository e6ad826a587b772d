package io.github.betavae.train;

import io.github.betavae.backend.Backend;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.LossStats;
import io.github.betavae.model.ParamLayout;
import java.util.Locale;

/**
 * Finds NaN and ±∞ in a step's loss and gradients before the update is applied.
 *
 * <p>The loss is a host value and free to check. A finite loss can still come with a non-finite
 * gradient (an overflow in a backward product), and Adam would then turn every parameter it touches
 * into NaN, so the gradients are checked every step too: they are copied to a host array allocated
 * once and scanned tensor by tensor in layout order. Measured on two CPU cores with the default
 * network (14.2M parameters, batch 64): the copy takes about 3.5 ms and the scan about 4.5 ms,
 * against about 85 ms for the step. On a GPU the copy crosses the bus every step; that is the price
 * of naming the tensor and never applying a bad update, where a loss-only check would let one NaN
 * gradient turn the weights to NaN unnoticed until the next step.
 */
final class NumericGuard {
  private final BetaVae model;
  private final float[] host;

  NumericGuard(BetaVae model) {
    this.model = model;
    this.host = new float[Math.toIntExact(model.layout().size())];
  }

  /**
   * What is wrong with step {@code step}'s (1-based) loss and gradients, as one line; null when
   * everything is finite.
   */
  String check(LossStats s, long step) {
    if (!Double.isFinite(s.loss())) {
      return String.format(Locale.ROOT, "non-finite loss %s (recon=%s, kl=%s) at step %d", s.loss(), s.recon(), s.kl(), step);
    }
    Backend be = model.backend();
    be.read(model.grads(), host);
    String tensor = firstNonFinite(model.layout(), host);
    return tensor == null ? null : "non-finite gradient in " + tensor + " at step " + step;
  }

  /** The name of the first tensor of {@code layout} holding a NaN or ±∞ in {@code values}; null if none. */
  static String firstNonFinite(ParamLayout layout, float[] values) {
    for (ParamLayout.Tensor t : layout.tensors()) {
      int from = Math.toIntExact(t.offset()), to = Math.toIntExact(t.offset() + t.size());
      if (!allFinite(values, from, to)) return t.name();
    }
    return null;
  }

  /**
   * x − x is 0 for finite x and NaN for NaN and ±∞, so the sum is 0 exactly when all are finite.
   * Four independent sums, because one serial float sum runs at a third of the memory's speed.
   */
  static boolean allFinite(float[] v, int from, int to) {
    float a = 0f, b = 0f, c = 0f, d = 0f;
    int i = from;
    for (; i + 4 <= to; i += 4) {
      a += v[i] - v[i];
      b += v[i + 1] - v[i + 1];
      c += v[i + 2] - v[i + 2];
      d += v[i + 3] - v[i + 3];
    }
    for (; i < to; i++) a += v[i] - v[i];
    return a + b + c + d == 0f;
  }
}
