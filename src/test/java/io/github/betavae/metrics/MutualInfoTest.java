package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.rng.Philox;
import org.junit.jupiter.api.Test;

class MutualInfoTest {

  /** (N, 2Z) statistics with μ_i = spread·i·(1, …, 1) and one shared logvar. */
  private static float[] stats(int n, int z, float spread, float logvar) {
    float[] s = new float[n * 2 * z];
    for (int i = 0; i < n; i++) {
      for (int d = 0; d < z; d++) {
        s[i * 2 * z + d] = spread * i;
        s[i * 2 * z + z + d] = logvar;
      }
    }
    return s;
  }

  @Test
  void aCodeThatIgnoresTheInputCarriesNoInformation() {
    double mi = MutualInfo.estimate(stats(800, 4, 0f, 0.3f), 800, 4, 1);
    // Only the one-draw noise of the second term remains: its standard error is √(Z/2N) = 0.05.
    assertEquals(0, mi, 0.15);
  }

  @Test
  void nonOverlappingPosteriorsReachLogN() {
    int n = 200;
    double mi = MutualInfo.estimate(stats(n, 3, 50f, -2f), n, 3, 2);
    assertEquals(Math.log(n), mi, 0.15);
  }

  @Test
  void informationGrowsAsPosteriorsSeparate() {
    int n = 300;
    double a = MutualInfo.estimate(stats(n, 2, 0.01f, 0f), n, 2, 3);
    double b = MutualInfo.estimate(stats(n, 2, 0.05f, 0f), n, 2, 3);
    double c = MutualInfo.estimate(stats(n, 2, 0.5f, 0f), n, 2, 3);
    assertTrue(a < b && b < c && c < Math.log(n) + 0.2, a + " < " + b + " < " + c);
  }

  @Test
  void statisticsOverloadDrawsFromTheMetricsStream() {
    int n = 5, z = 3;
    float[] s = stats(n, z, 0.7f, -0.5f);
    double[] mu = new double[n * z], lv = new double[n * z], draw = new double[n * z];
    for (int i = 0; i < n; i++) {
      for (int d = 0; d < z; d++) {
        int e = i * z + d;
        mu[e] = s[i * 2 * z + d];
        lv[e] = s[i * 2 * z + z + d];
        draw[e] = mu[e] + Math.exp(0.5 * lv[e]) * Philox.normal(77, e, RandomStream.MUTUAL_INFO, Philox.STREAM_METRICS);
      }
    }
    assertEquals(MutualInfo.estimate(mu, lv, draw, n, z), MutualInfo.estimate(s, n, z, 77), 1e-12);
  }

  @Test
  void handComputedSingleSample() {
    // N = 1: log q(z) = log q(z|x), so I = −½(1 + logvar)·Z − ½Z·log 2π − log N(z; μ, σ²).
    double mu = 0.5, lv = -1, zz = 1.5;
    double logq = -0.5 * (Math.log(2 * Math.PI) + lv + (zz - mu) * (zz - mu) / Math.exp(lv));
    double want = -0.5 * Math.log(2 * Math.PI) - 0.5 * (1 + lv) - logq;
    assertEquals(want, MutualInfo.estimate(new double[] {mu}, new double[] {lv}, new double[] {zz}, 1, 1), 1e-12);
  }

  @Test
  void stableForVeryNarrowPosteriors() {
    int n = 50;
    double mi = MutualInfo.estimate(stats(n, 2, 10f, -60f), n, 2, 4);
    assertTrue(Double.isFinite(mi), "finite: " + mi);
    assertEquals(Math.log(n), mi, 0.5);
  }

  @Test
  void rejectsMismatchedSizes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MutualInfo.estimate(new float[10], 2, 3, 0));
    assertEquals("mutual information: expected 12 statistics (2 × 2·3) but found 10", e.getMessage());
  }

  @Test
  void batchedEqualsTheDirectEstimateWhenTheBatchIsEveryPosterior() {
    int n = 120, z = 3;
    float[] st = stats(n, z, 0.4f, -0.5f);
    assertEquals(MutualInfo.estimate(st, n, z, 7), MutualInfo.estimate(st, n, z, 7, n), 0.0);
    assertEquals(MutualInfo.estimate(st, n, z, 7), MutualInfo.estimate(st, n, z, 7, 0), 0.0);
  }

  @Test
  void batchedIsTheSizeWeightedMeanOfPerBatchEstimates() {
    int n = 130, z = 2, b = 50; // batches of 50, 50 and 30
    double[][] p = MutualInfo.posteriorSamples(stats(n, z, 0.7f, -1f), n, z, 4);
    double expected = 0;
    for (int start = 0; start < n; start += b) {
      int m = Math.min(b, n - start);
      double[] mu = java.util.Arrays.copyOfRange(p[0], start * z, (start + m) * z);
      double[] lv = java.util.Arrays.copyOfRange(p[1], start * z, (start + m) * z);
      double[] zz = java.util.Arrays.copyOfRange(p[2], start * z, (start + m) * z);
      expected += m * MutualInfo.estimate(mu, lv, zz, m, z);
    }
    assertEquals(expected / n, MutualInfo.batched(p[0], p[1], p[2], n, z, b), 1e-12);
  }

  @Test
  void batchedSaturatesNearLogBatchWhereAllNReachesLogN() {
    int n = 400, b = 50;
    float[] st = stats(n, 3, 50f, -2f);
    assertEquals(Math.log(b), MutualInfo.estimate(st, n, 3, 2, b), 0.15);
    assertEquals(Math.log(n), MutualInfo.estimate(st, n, 3, 2, 0), 0.15);
  }
}
