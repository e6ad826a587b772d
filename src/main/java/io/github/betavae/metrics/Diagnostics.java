package io.github.betavae.metrics;

import io.github.betavae.data.Dataset;
import io.github.betavae.model.BetaVae;
import java.util.Arrays;

/**
 * Posterior-collapse diagnostics on a held-out set (DESIGN §7), from one forward pass over it: the
 * reconstruction term and the KL of each latent dimension, the single-sample ELBO, the active units,
 * the mutual information I(x; z) of {@link MutualInfo} (all-N or batched), and how far the aggregate
 * posterior is from the prior ({@link AggregatePosterior}: {@code agg_kl}, {@code agg_mmd}), the last
 * three from the same posterior samples.
 *
 * <p>The decoder sees z = μ + σ·ε with ε from Philox (key = seed, counter step = index of the
 * evaluation batch), so the ELBO is the usual one-sample estimate and a seed names the result. The KL,
 * the active units and the statistics behind the mutual information do not depend on ε. Batches keep
 * the given size (a short last batch is padded and its padding ignored), so evaluating during
 * training reuses the model's training workspace.
 */
public final class Diagnostics {
  private Diagnostics() {}

  /**
   * @param n samples evaluated
   * @param recon mean reconstruction term per sample (nats for Bernoulli)
   * @param kl mean KL per sample, Σ_d klPerDim[d], in nats
   * @param elbo −(recon + kl): the evidence lower bound per sample (β = 1 whatever the training β)
   * @param klPerDim mean KL of each latent dimension
   * @param muVariance unbiased variance over the samples of each posterior mean μ_d
   * @param activeUnits #{d : muVariance[d] > {@value Evaluator#ACTIVE_THRESHOLD}} (Burda et al. 2016)
   * @param mutualInfo He et al. 2019's estimate of I(x; z) in nats (at most log n, or about log
   *     miBatch for the batched estimator)
   * @param miBatch posteriors per mini-batch of the mutual-information estimate; n for the all-N one
   * @param aggKl KL between the moment-matched Gaussian of the aggregate posterior and N(0, I), nats
   * @param aggMmd MMD² between posterior samples and prior samples
   */
  public record Result(int n, double recon, double kl, double elbo, double[] klPerDim, double[] muVariance,
                       int activeUnits, double mutualInfo, int miBatch, double aggKl, double aggMmd) {
    /** Latent dimensions Z. */
    public int latent() {
      return klPerDim.length;
    }
  }

  /** Evaluates {@code model} on all of {@code data}, {@code batch} samples per pass, with the all-N I(x; z). */
  public static Result compute(BetaVae model, Dataset data, long seed, int batch) {
    return compute(model, data, seed, batch, 0);
  }

  /**
   * Evaluates {@code model} on all of {@code data}, {@code batch} samples per pass; I(x; z) by the
   * batched estimator over {@code miBatch} posteriors, or the all-N one for 0.
   */
  public static Result compute(BetaVae model, Dataset data, long seed, int batch, int miBatch) {
    if (miBatch < 0) throw new IllegalArgumentException("diagnostics: mutual-information batch must be ≥ 0 but was " + miBatch);
    int d = model.config().inputSize(), zl = model.config().latent(), n = data.size();
    if (data.features() != d) {
      throw new IllegalArgumentException("diagnostics: expected " + d + " features per sample but found "
          + data.features() + " in " + data.describe());
    }
    if (n < 2) throw new IllegalArgumentException("diagnostics: expected at least 2 held-out samples but found " + n);
    if (batch < 1) throw new IllegalArgumentException("diagnostics: batch must be ≥ 1 but was " + batch);
    float[] x = new float[batch * d];
    float[] all = new float[n * 2 * zl];
    double recon = 0;
    for (int start = 0, k = 0; start < n; start += batch, k++) {
      int m = Math.min(batch, n - start);
      for (int r = 0; r < m; r++) data.copy(start + r, x, r * d);
      if (m < batch) Arrays.fill(x, m * d, batch * d, 0f);
      model.backend().write(model.input(batch), x);
      BetaVae.Eval ev = model.evaluate(batch, seed, k, true);
      for (int r = 0; r < m; r++) recon += ev.reconPerSample()[r];
      System.arraycopy(ev.stats(), 0, all, start * 2 * zl, m * 2 * zl);
    }
    recon /= n;
    double[] klPerDim = new double[zl], mean = new double[zl], m2 = new double[zl];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < zl; j++) {
        double mu = all[i * 2 * zl + j], lv = all[i * 2 * zl + zl + j];
        klPerDim[j] += 0.5 * (mu * mu + Math.exp(lv) - 1 - lv);
        // Welford's update, as in Evaluator.
        double delta = mu - mean[j];
        mean[j] += delta / (i + 1);
        m2[j] += delta * (mu - mean[j]);
      }
    }
    double kl = 0;
    double[] var = new double[zl];
    int active = 0;
    for (int j = 0; j < zl; j++) {
      klPerDim[j] /= n;
      kl += klPerDim[j];
      var[j] = m2[j] / (n - 1);
      if (var[j] > Evaluator.ACTIVE_THRESHOLD) active++;
    }
    double[][] post = MutualInfo.posteriorSamples(all, n, zl, seed);
    double mi = MutualInfo.batched(post[0], post[1], post[2], n, zl, miBatch);
    int effective = miBatch == 0 ? n : Math.min(miBatch, n);
    double aggKl = AggregatePosterior.gaussianKl(post[2], n, zl);
    double aggMmd = AggregatePosterior.mmd(post[2], n, zl, seed);
    return new Result(n, recon, kl, -(recon + kl), klPerDim, var, active, mi, effective, aggKl, aggMmd);
  }
}
