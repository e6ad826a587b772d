package io.github.betavae.metrics;

import io.github.betavae.rng.Philox;

/**
 * He et al. 2019's ("Lagging inference networks and posterior collapse in VAEs") estimate of the mutual
 * information I(x; z) under the encoder's joint q(x, z) = p_data(x)·q(z|x), from a set of N posteriors
 * q(z|x_i) = N(μ_i, diag(exp(logvar_i))):
 *
 * <pre>
 *   I ≈ (1/N)·Σ_i E_{q(z|x_i)}[log q(z|x_i)]  −  (1/N)·Σ_i log q(z_i),    z_i ~ q(z|x_i)
 *   E_{q(z|x_i)}[log q(z|x_i)] = −½·Z·log 2π − ½·Σ_d (1 + logvar_id)          (exact, minus the entropy)
 *   log q(z_i) ≈ logsumexp_j log q(z_i|x_j) − log N                           (the aggregate posterior)
 * </pre>
 *
 * As in the authors' estimator the first term is the closed form, the second uses one draw per
 * posterior. A code that ignores x gives ≈ 0; N posteriors that do not overlap give ≈ log N, the most
 * this N can show. Everything is in double, with log-sum-exp shifted by its maximum; the cost is
 * O(N²·Z), so call it on a held-out set of a few thousand samples.
 *
 * <p>Two estimators, both biased towards log N (the aggregate posterior q(z) is replaced by a mixture
 * of the N posteriors at hand, so a code that separates them shows log N whatever the true I(x; z),
 * and the bound is smaller for smaller N):
 * <ul>
 *   <li>all-N ({@code batch} 0): q(z) from all N posteriors; at most log N.</li>
 *   <li>batched ({@code batch} b &gt; 0), as in He et al.'s code (batch 50 in their image
 *       experiments): consecutive mini-batches of b posteriors (the last one shorter), each estimated
 *       on its own, averaged with weights equal to their sizes; at most about log b, so it saturates
 *       far earlier and is comparable only between runs with the same b.</li>
 * </ul>
 */
public final class MutualInfo {
  private MutualInfo() {}

  private static final double LOG_2PI = Math.log(2 * Math.PI);

  /**
   * The estimate from model statistics {@code stats} laid out as the model's (N, 2Z) head output, row i
   * = [μ_i (Z values) | logvar_i (Z values)], with z_i = μ_i + exp(½·logvar_i)·ε_i and ε from Philox
   * stream {@link Philox#STREAM_METRICS}, sub-stream {@link RandomStream#MUTUAL_INFO}, element i·Z + d.
   */
  public static double estimate(float[] stats, int n, int latent, long seed) {
    return estimate(stats, n, latent, seed, 0);
  }

  /**
   * As {@link #estimate(float[], int, int, long)}, with the batched estimator for {@code batch} &gt; 0
   * and the all-N one for 0.
   */
  public static double estimate(float[] stats, int n, int latent, long seed, int batch) {
    double[][] p = posteriorSamples(stats, n, latent, seed);
    return batched(p[0], p[1], p[2], n, latent, batch);
  }

  /**
   * {μ, logvar, z} (each (N, Z) row-major, in double) from the model's (N, 2Z) head output, with one
   * draw z_i = μ_i + exp(½·logvar_i)·ε_i per posterior, ε from Philox stream {@link
   * Philox#STREAM_METRICS}, sub-stream {@link RandomStream#MUTUAL_INFO}, element i·Z + d.
   */
  public static double[][] posteriorSamples(float[] stats, int n, int latent, long seed) {
    if (n < 1 || latent < 1 || stats.length != 2L * n * latent) {
      throw new IllegalArgumentException("mutual information: expected " + 2L * n * latent + " statistics ("
          + n + " × 2·" + latent + ") but found " + stats.length);
    }
    double[] mu = new double[n * latent], logvar = new double[n * latent], z = new double[n * latent];
    int[] scratch = new int[4];
    float[] eps = new float[4];
    for (int i = 0; i < n; i++) {
      for (int d = 0; d < latent; d++) {
        mu[i * latent + d] = stats[i * 2 * latent + d];
        logvar[i * latent + d] = stats[i * 2 * latent + latent + d];
      }
    }
    for (int e = 0; e < n * latent; e++) {
      if ((e & 3) == 0) Philox.normals(seed, e >>> 2, RandomStream.MUTUAL_INFO, Philox.STREAM_METRICS, scratch, eps, 0);
      z[e] = mu[e] + Math.exp(0.5 * logvar[e]) * eps[e & 3];
    }
    return new double[][] {mu, logvar, z};
  }

  /**
   * The batched estimate: the mean over consecutive mini-batches of {@code batch} posteriors (the last
   * one shorter) of {@link #estimate(double[], double[], double[], int, int)}, weighted by batch size;
   * {@code batch} 0 or ≥ N is the all-N estimate.
   */
  public static double batched(double[] mu, double[] logvar, double[] z, int n, int latent, int batch) {
    if (batch < 0) throw new IllegalArgumentException("mutual information: expected a batch ≥ 0 but found " + batch);
    if (batch == 0 || batch >= n) return estimate(mu, logvar, z, n, latent);
    double sum = 0;
    for (int start = 0; start < n; start += batch) {
      int m = Math.min(batch, n - start);
      int from = start * latent, to = (start + m) * latent;
      sum += m * estimate(java.util.Arrays.copyOfRange(mu, from, to), java.util.Arrays.copyOfRange(logvar, from, to),
          java.util.Arrays.copyOfRange(z, from, to), m, latent);
    }
    return sum / n;
  }

  /**
   * The estimate from posteriors (μ, logvar) and one draw z_i ~ q(z|x_i) per posterior, all (N, Z)
   * row-major.
   */
  public static double estimate(double[] mu, double[] logvar, double[] z, int n, int latent) {
    long size = (long) n * latent;
    if (n < 1 || latent < 1 || mu.length != size || logvar.length != size || z.length != size) {
      throw new IllegalArgumentException("mutual information: expected μ, logvar and z of " + size + " values ("
          + n + " × " + latent + ") but found " + mu.length + ", " + logvar.length + ", " + z.length);
    }
    double negEntropy = 0;
    for (int e = 0; e < size; e++) negEntropy += 1 + logvar[e];
    negEntropy = -0.5 * latent * LOG_2PI - 0.5 * negEntropy / n;

    double[] invVar = new double[(int) size];
    double[] norm = new double[n]; // −½·(Z·log 2π + Σ_d logvar_jd)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int d = 0; d < latent; d++) {
        int e = j * latent + d;
        invVar[e] = Math.exp(-logvar[e]);
        s += logvar[e];
      }
      norm[j] = -0.5 * (latent * LOG_2PI + s);
    }
    double[] logq = new double[n];
    double meanLogQz = 0;
    double logN = Math.log(n);
    for (int i = 0; i < n; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        double quad = 0;
        for (int d = 0; d < latent; d++) {
          double dv = z[i * latent + d] - mu[j * latent + d];
          quad += dv * dv * invVar[j * latent + d];
        }
        logq[j] = norm[j] - 0.5 * quad;
        max = Math.max(max, logq[j]);
      }
      double sum = 0;
      for (int j = 0; j < n; j++) sum += Math.exp(logq[j] - max);
      meanLogQz += max + Math.log(sum) - logN;
    }
    meanLogQz /= n;
    return negEntropy - meanLogQz;
  }
}
