package io.github.betavae.train;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.FiniteScan;
import io.github.betavae.backend.StepRecord;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.LossStats;
import io.github.betavae.model.ParamLayout;
import java.util.Locale;

/**
 * Finds NaN and ±∞ in a step's loss and gradients before the update is applied.
 *
 * <p>The loss is a host value and free to check. A finite loss can still come with a non-finite
 * gradient (an overflow in a backward product), and Adam would then turn every parameter it touches
 * into NaN, so the gradients are checked every step too, where they live ({@link
 * Backend#allFinite}: on the CPU a parallel scan in place, on CUDA a device reduction that returns one
 * int). Only when that finds something are the
 * gradients copied to the host and scanned tensor by tensor, to name the first bad tensor.
 */
final class NumericGuard {
  private final BetaVae model;
  private float[] host; // allocated on the first failure only

  NumericGuard(BetaVae model) {
    this.model = model;
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
    if (be.allFinite(model.grads())) return null;
    if (host == null) host = new float[Math.toIntExact(model.layout().size())];
    be.read(model.grads(), host);
    String tensor = firstNonFinite(model.layout(), host);
    return tensor == null ? null : "non-finite gradient in " + tensor + " at step " + step;
  }

  /** One line for a resident step's flagged record (1-based {@code step}), as {@link #check} words it. */
  String describe(StepRecord r, long step) {
    if ((r.flags() & StepRecord.LOSS_NONFINITE) != 0) {
      return String.format(Locale.ROOT, "non-finite loss %s (recon=%s, kl=%s) at step %d", r.loss(), r.recon(), r.kl(), step);
    }
    String tensor = "the gradient";
    for (ParamLayout.Tensor t : model.layout().tensors()) {
      if (r.badIndex() >= t.offset() && r.badIndex() < t.offset() + t.size()) {
        tensor = t.name();
        break;
      }
    }
    return "non-finite gradient in " + tensor + " at step " + step;
  }

  /** The name of the first tensor of {@code layout} holding a NaN or ±∞ in {@code values}; null if none. */
  static String firstNonFinite(ParamLayout layout, float[] values) {
    for (ParamLayout.Tensor t : layout.tensors()) {
      int from = Math.toIntExact(t.offset()), to = Math.toIntExact(t.offset() + t.size());
      if (!FiniteScan.allFinite(values, from, to)) return t.name();
    }
    return null;
  }

}
