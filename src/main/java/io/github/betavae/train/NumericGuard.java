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
 * once and scanned tensor by tensor in layout order. On the CPU engine with the default network
 * (about 4.9M parameters) the copy and the scan together cost a few milliseconds against a step of
 * well over a hundred, under 3%; on a GPU the copy crosses the bus every step, which is the price
 * of naming the tensor and never applying a bad update.
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
      // x − x is 0 for finite x and NaN for NaN and ±∞: one branch-free accumulation per tensor.
      float acc = 0f;
      for (int i = from; i < to; i++) acc += values[i] - values[i];
      if (acc != 0f) return t.name();
    }
    return null;
  }
}
