package io.github.betavae.metrics;

import io.github.betavae.backend.Likelihood;
import io.github.betavae.model.BetaVae;
import io.github.betavae.viz.Figures;

/**
 * A cheap proxy for the quality of prior samples: the mean per-pixel binary entropy, in bits, of the
 * decoder's output for z ~ N(0, I). Each output is read as the probability p that a pixel is on (the
 * Bernoulli mean σ(logit), or a Gaussian mean clamped to [0, 1]) and contributes
 * H(p) = −p·log₂ p − (1 − p)·log₂(1 − p): 0 where the decoder is sure of the pixel, 1 where it is a
 * coin flip.
 *
 * <p>Why this one: it needs no reference network or second model, is deterministic, and tracks what
 * one sees in samples.png. A decoder fed latents from regions of the prior its posteriors never
 * visited (a poorly matched aggregate posterior, typical of small β) produces grey, unsure blobs with
 * high entropy; a decoder whose posteriors cover the prior produces crisp shapes. Its limit: it scores
 * sharpness, not realism. A collapsed model that draws one crisp mean image scores well; read it next
 * to the KL and the active units.
 */
public final class PriorSampleEntropy {
  private PriorSampleEntropy() {}

  /**
   * The mean binary entropy in bits over the pixels of {@code n} prior samples drawn from {@code seed}
   * (the draws of {@link Figures#priorLatents}), decoded {@code batch} at a time.
   */
  public static double bits(BetaVae model, int n, long seed, int batch) {
    if (n < 1 || batch < 1) {
      throw new IllegalArgumentException("prior-sample entropy: expected n ≥ 1 and batch ≥ 1 but found n=" + n + ", batch=" + batch);
    }
    int zl = model.config().latent(), d = model.config().inputSize();
    Likelihood lik = model.config().likelihood();
    float[] z = Figures.priorLatents(n, zl, seed);
    float[] chunk = new float[batch * zl];
    double sum = 0;
    for (int start = 0; start < n; start += batch) {
      int m = Math.min(batch, n - start);
      // A short last chunk is padded with zeros (decoded, then ignored) so the batch size stays fixed.
      java.util.Arrays.fill(chunk, 0f);
      System.arraycopy(z, start * zl, chunk, 0, m * zl);
      float[] out = model.decode(chunk, batch);
      for (int i = 0; i < m * d; i++) {
        double p = lik == Likelihood.BERNOULLI ? 1.0 / (1.0 + Math.exp(-out[i])) : Math.min(1.0, Math.max(0.0, out[i]));
        sum += entropy(p);
      }
    }
    return sum / ((double) n * d);
  }

  /** H(p) in bits, with 0·log 0 = 0. */
  static double entropy(double p) {
    double h = 0;
    if (p > 0) h -= p * Math.log(p);
    if (p < 1) h -= (1 - p) * Math.log(1 - p);
    return h / Math.log(2);
  }
}
