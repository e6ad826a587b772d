package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AggregatePosteriorTest {
  private static final int N = 2000, Z = 5;

  /** Prior draws, shifted by {@code shift} and scaled by {@code scale} in every dimension. */
  private static double[] code(double shift, double scale, long seed) {
    double[] z = AggregatePosterior.priorSamples(N, Z, seed);
    for (int e = 0; e < z.length; e++) z[e] = shift + scale * z[e];
    return z;
  }

  @Test
  void klOfPriorSamplesIsZeroWithinSamplingError() {
    // The estimator's bias is about Z(Z+1)/(4N) = 0.004 nats; its spread is of the same order.
    double kl = AggregatePosterior.gaussianKl(code(0, 1, 11), N, Z);
    assertTrue(kl >= 0 && kl < 0.02, "agg_kl of N(0, I) samples = " + kl);
  }

  @Test
  void klGrowsWithAShiftOrAScaleAsTheClosedFormSays() {
    // A shift by 1 in each of Z dimensions: ½·Z = 2.5 nats. A scale of 2: ½·Z·(4 − 1 − ln 4) = 4.03 nats.
    assertEquals(0.5 * Z, AggregatePosterior.gaussianKl(code(1, 1, 12), N, Z), 0.15);
    assertEquals(0.5 * Z * (3 - Math.log(4)), AggregatePosterior.gaussianKl(code(0, 2, 13), N, Z), 0.25);
    double small = AggregatePosterior.gaussianKl(code(0.3, 1, 14), N, Z);
    double large = AggregatePosterior.gaussianKl(code(0.6, 1, 14), N, Z);
    assertTrue(small < large, "KL must grow with the shift: " + small + " then " + large);
  }

  @Test
  void klOfADegenerateCodeIsInfinite() {
    double[] z = code(0, 1, 15);
    for (int i = 0; i < N; i++) z[i * Z + 2] = 0.5; // one dimension constant: singular covariance
    assertEquals(Double.POSITIVE_INFINITY, AggregatePosterior.gaussianKl(z, N, Z));
  }

  @Test
  void mmdIsAboutZeroForTheSameDistributionAndPositiveForAnother() {
    double same = AggregatePosterior.mmd(code(0, 1, 21), N, Z, 22);
    assertEquals(0, same, 0.003, "MMD² between two prior samples");
    double shifted = AggregatePosterior.mmd(code(0.5, 1, 21), N, Z, 22);
    double scaled = AggregatePosterior.mmd(code(0, 0.5, 21), N, Z, 22);
    assertTrue(shifted > 0.02, "MMD² of a shifted code = " + shifted);
    assertTrue(scaled > 0.02, "MMD² of a narrowed code = " + scaled);
    double further = AggregatePosterior.mmd(code(1.0, 1, 21), N, Z, 22);
    assertTrue(further > shifted, "MMD² must grow with the shift: " + shifted + " then " + further);
  }

  @Test
  void mmdIsAPureFunctionOfItsSeedAndTheSamples() {
    double[] z = code(0.2, 1.1, 31);
    assertEquals(AggregatePosterior.mmd(z, N, Z, 5), AggregatePosterior.mmd(z, N, Z, 5), 0.0);
  }

  @Test
  void mmdOfIdenticalPointsIsZero() {
    double[] x = new double[10 * 2];
    assertEquals(0, AggregatePosterior.mmd(x, 10, x.clone(), 10, 2), 0.0);
  }

  @Test
  void logDetMatchesAHandComputedMatrix() {
    // [[4, 2], [2, 3]] (lower triangle stored): det 8.
    assertEquals(Math.log(8), AggregatePosterior.logDetCholesky(new double[] {4, 0, 2, 3}, 2), 1e-12);
  }

  @Test
  void rejectsMismatchedSizes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AggregatePosterior.gaussianKl(new double[7], 2, 3));
    assertEquals("aggregate posterior: expected 6 values (2 × 3) but found 7", e.getMessage());
  }
}
