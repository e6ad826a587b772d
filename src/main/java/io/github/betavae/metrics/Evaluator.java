package io.github.betavae.metrics;

import io.github.betavae.data.Dataset;
import io.github.betavae.model.BetaVae;

/**
 * Held-out evaluation of a trained model: per-sample means of the reconstruction term and of the KL
 * of each latent dimension, the β-VAE loss, and the number of active units.
 *
 * <p>With {@code posteriorMean} the decoder sees z = μ; otherwise z = μ + σ·ε with ε from Philox
 * (key = seed, counter step = index of the evaluation batch), so a seed names the result. The KL
 * and active units never depend on ε.
 */
public final class Evaluator {
  /** Activity threshold of Burda et al. 2016: a unit is active when Var_x(μ_d) exceeds it. */
  public static final double ACTIVE_THRESHOLD = 0.01;

  private Evaluator() {}

  /**
   * @param n samples evaluated
   * @param recon mean reconstruction term per sample (nats for Bernoulli)
   * @param kl mean KL per sample, Σ_d klPerDim[d]
   * @param loss recon + β·kl with the model's β
   * @param klPerDim mean KL of each latent dimension
   * @param muVariance unbiased variance over the samples of each posterior mean μ_d
   * @param activeUnits #{d : muVariance[d] > 0.01}
   */
  public record Result(int n, double recon, double kl, double loss, double[] klPerDim, double[] muVariance, int activeUnits) {}

  /** Evaluates {@code model} on every sample of {@code data}, {@code batch} samples at a time. */
  public static Result evaluate(BetaVae model, Dataset data, boolean posteriorMean, long seed, int batch) {
    return evaluate(model, data, posteriorMean, seed, batch, io.github.betavae.train.BatchSource.host(data));
  }

  /**
   * As {@link #evaluate(BetaVae, Dataset, boolean, long, int)}, with the batches (rows in order) from
   * {@code source}, which serves {@code data}: on CUDA the device-resident or streamed path of training.
   */
  public static Result evaluate(BetaVae model, Dataset data, boolean posteriorMean, long seed, int batch,
                                io.github.betavae.train.BatchSource source) {
    int d = model.config().inputSize(), zl = model.config().latent(), n = data.size();
    if (data.features() != d) {
      throw new IllegalArgumentException("eval: expected " + d + " features per sample but found " + data.features()
          + " in " + data.describe());
    }
    if (n < 1) throw new IllegalArgumentException("eval: expected at least 1 sample but found 0 in " + data.describe());
    if (batch < 1) throw new IllegalArgumentException("eval: batch must be ≥ 1 but was " + batch);
    double recon = 0;
    double[] kl = new double[zl];
    double[] mean = new double[zl], m2 = new double[zl];
    int[] rows = new int[n];
    for (int i = 0; i < n; i++) rows[i] = i;
    long seen = 0;
    for (int start = 0, k = 0; start < n; start += batch, k++) {
      int b = Math.min(batch, n - start);
      source.fill(model, rows, start, b);
      BetaVae.Eval ev = model.evaluate(b, seed, k, !posteriorMean);
      for (float v : ev.reconPerSample()) recon += v;
      for (int j = 0; j < zl; j++) kl[j] += ev.klSum()[j];
      for (int r = 0; r < b; r++) {
        seen++;
        for (int j = 0; j < zl; j++) {
          // Welford's update: stable for the 737k-sample dSprites set.
          double mu = ev.stats()[r * 2 * zl + j];
          double delta = mu - mean[j];
          mean[j] += delta / seen;
          m2[j] += delta * (mu - mean[j]);
        }
      }
    }
    double klTotal = 0;
    double[] var = new double[zl];
    int active = 0;
    for (int j = 0; j < zl; j++) {
      kl[j] /= n;
      klTotal += kl[j];
      var[j] = n > 1 ? m2[j] / (n - 1) : 0.0;
      if (var[j] > ACTIVE_THRESHOLD) active++;
    }
    recon /= n;
    return new Result(n, recon, klTotal, recon + model.config().beta() * klTotal, kl, var, active);
  }
}
