package io.github.betavae.metrics;

import io.github.betavae.rng.Philox;
import java.util.Arrays;

/**
 * How far the aggregate posterior q(z) = E_x q(z|x) is from the prior N(0, I), measured from N
 * posterior samples z_i ~ q(z|x_i) on held-out data (DESIGN §7). The claim it tests: a larger β pulls
 * q(z) towards the prior, so that prior draws land where the decoder was trained and prior samples
 * look like data.
 *
 * <ul>
 *   <li>{@link #gaussianKl}, {@code agg_kl}: KL(N(m, S) ‖ N(0, I)) = ½·(tr S + mᵀm − Z − ln det S) for
 *       the sample mean m and the unbiased sample covariance S of the z_i, in nats. It sees only the
 *       first two moments: a q(z) with the prior's mean and covariance but another shape scores 0.
 *       Its sampling bias on prior samples is about Z(Z+1)/(4N) nats (0.014 for Z = 10, N = 2,000).</li>
 *   <li>{@link #mmd}, {@code agg_mmd}: the unbiased estimate of the squared maximum mean discrepancy
 *       (Gretton et al. 2012) between the z_i and N prior draws, with the Gaussian kernel
 *       k(a, b) = exp(−‖a − b‖² / (2h²)) and h the median pairwise distance of the pooled samples (the
 *       median heuristic, over up to {@value #MEDIAN_POINTS} points of each sample). It sees the whole
 *       distribution; 0 in expectation when q(z) is the prior, and it can fall slightly below 0 by
 *       sampling noise.</li>
 * </ul>
 *
 * Prior draws come from Philox stream {@link Philox#STREAM_METRICS}, sub-stream {@link
 * RandomStream#AGG_PRIOR}, element i·Z + d, so a seed names the result. Everything is in double and
 * summed in a fixed order.
 */
public final class AggregatePosterior {
  private AggregatePosterior() {}

  /** Points of each sample that enter the median heuristic (the median of their pairwise distances). */
  static final int MEDIAN_POINTS = 500;

  /** KL(N(m, S) ‖ N(0, I)) for the moments of {@code n} samples {@code z} (row-major (n, Z)); +∞ when S is singular. */
  public static double gaussianKl(double[] z, int n, int latent) {
    check(z, n, latent);
    if (n < 2) throw new IllegalArgumentException("aggregate KL: expected at least 2 samples but found " + n);
    // n samples span at most n − 1 dimensions: the covariance of a wider code is singular.
    if (latent >= n) return Double.POSITIVE_INFINITY;
    double[] m = new double[latent];
    for (int i = 0; i < n; i++) for (int d = 0; d < latent; d++) m[d] += z[i * latent + d];
    for (int d = 0; d < latent; d++) m[d] /= n;
    double[] cov = new double[latent * latent];
    for (int i = 0; i < n; i++) {
      for (int a = 0; a < latent; a++) {
        double da = z[i * latent + a] - m[a];
        for (int b = 0; b <= a; b++) cov[a * latent + b] += da * (z[i * latent + b] - m[b]);
      }
    }
    for (int a = 0; a < latent; a++) for (int b = 0; b <= a; b++) cov[a * latent + b] /= (n - 1);
    double trace = 0, meanSq = 0;
    for (int d = 0; d < latent; d++) {
      trace += cov[d * latent + d];
      meanSq += m[d] * m[d];
    }
    double logDet = logDetCholesky(cov, latent);
    if (Double.isNaN(logDet)) return Double.POSITIVE_INFINITY;
    return 0.5 * (trace + meanSq - latent - logDet);
  }

  /** ln det of the symmetric matrix whose lower triangle {@code a} holds, by Cholesky; NaN if not positive definite. */
  static double logDetCholesky(double[] a, int p) {
    double[] l = new double[p * p];
    double logDet = 0;
    for (int j = 0; j < p; j++) {
      double diag = a[j * p + j];
      for (int k = 0; k < j; k++) diag -= l[j * p + k] * l[j * p + k];
      if (!(diag > 0)) return Double.NaN;
      double ljj = Math.sqrt(diag);
      l[j * p + j] = ljj;
      logDet += 2 * Math.log(ljj);
      for (int i = j + 1; i < p; i++) {
        double s = a[i * p + j];
        for (int k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
        l[i * p + j] = s / ljj;
      }
    }
    return logDet;
  }

  /** MMD² between {@code n} samples {@code z} (row-major (n, Z)) and {@code n} prior draws from {@code seed}. */
  public static double mmd(double[] z, int n, int latent, long seed) {
    check(z, n, latent);
    if (n < 2) throw new IllegalArgumentException("aggregate MMD: expected at least 2 samples but found " + n);
    return mmd(z, n, priorSamples(n, latent, seed), n, latent);
  }

  /** N(0, I) draws, (n, Z) row-major, from Philox sub-stream {@link RandomStream#AGG_PRIOR}. */
  public static double[] priorSamples(int n, int latent, long seed) {
    double[] p = new double[n * latent];
    int[] scratch = new int[4];
    float[] eps = new float[4];
    for (int e = 0; e < p.length; e++) {
      if ((e & 3) == 0) Philox.normals(seed, e >>> 2, RandomStream.AGG_PRIOR, Philox.STREAM_METRICS, scratch, eps, 0);
      p[e] = eps[e & 3];
    }
    return p;
  }

  /** The unbiased MMD² between samples {@code x} (n rows) and {@code y} (m rows), median-heuristic bandwidth. */
  public static double mmd(double[] x, int n, double[] y, int m, int latent) {
    if (n < 2 || m < 2) throw new IllegalArgumentException("MMD: expected at least 2 samples on each side but found " + n + " and " + m);
    double h2 = medianSquaredDistance(x, Math.min(n, MEDIAN_POINTS), y, Math.min(m, MEDIAN_POINTS), latent);
    // All points equal: every kernel value is 1 and the distributions are indistinguishable.
    if (!(h2 > 0)) return 0;
    double gamma = 1 / (2 * h2);
    double xx = kernelSum(x, n, x, n, latent, gamma, true) / ((double) n * (n - 1));
    double yy = kernelSum(y, m, y, m, latent, gamma, true) / ((double) m * (m - 1));
    double xy = kernelSum(x, n, y, m, latent, gamma, false) / ((double) n * m);
    return xx + yy - 2 * xy;
  }

  /** Σ k(a_i, b_j) over all pairs, or over i ≠ j (each pair twice) when {@code same}. */
  private static double kernelSum(double[] a, int na, double[] b, int nb, int latent, double gamma, boolean same) {
    double sum = 0;
    for (int i = 0; i < na; i++) {
      for (int j = same ? i + 1 : 0; j < nb; j++) sum += (same ? 2 : 1) * Math.exp(-gamma * sqDist(a, i, b, j, latent));
    }
    return sum;
  }

  /** The median squared distance over all pairs of the pooled first {@code na} rows of a and {@code nb} of b. */
  private static double medianSquaredDistance(double[] a, int na, double[] b, int nb, int latent) {
    int total = na + nb;
    double[] pooled = new double[total * latent];
    System.arraycopy(a, 0, pooled, 0, na * latent);
    System.arraycopy(b, 0, pooled, na * latent, nb * latent);
    double[] d = new double[total * (total - 1) / 2];
    int k = 0;
    for (int i = 0; i < total; i++) for (int j = i + 1; j < total; j++) d[k++] = sqDist(pooled, i, pooled, j, latent);
    Arrays.sort(d);
    int mid = d.length / 2;
    return d.length % 2 == 1 ? d[mid] : 0.5 * (d[mid - 1] + d[mid]);
  }

  private static double sqDist(double[] a, int i, double[] b, int j, int latent) {
    double s = 0;
    for (int d = 0; d < latent; d++) {
      double v = a[i * latent + d] - b[j * latent + d];
      s += v * v;
    }
    return s;
  }

  private static void check(double[] z, int n, int latent) {
    if (n < 1 || latent < 1 || z.length != (long) n * latent) {
      throw new IllegalArgumentException("aggregate posterior: expected " + (long) n * latent + " values (" + n + " × "
          + latent + ") but found " + z.length);
    }
  }
}
