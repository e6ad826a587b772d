package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FactorVaeMetricTest {
  private static final GroundTruth TRUTH = SyntheticFactors.truth(SyntheticFactors.SIZES);
  private static final FactorVaeMetric.Settings SMALL = new FactorVaeMetric.Settings(16, 300, 200, 1000, 0.05);

  @Test
  void oneDimensionPerFactorScoresOneAndConstantDimensionsArePruned() {
    FactorVaeMetric.Result r = FactorVaeMetric.compute(SyntheticFactors.select(5, 1f, 3, -1, 0, 1, 4, 2), TRUTH, SMALL, 1);
    assertEquals(1.0, r.evalAccuracy());
    assertEquals(1.0, r.trainAccuracy());
    assertEquals(5, r.activeDims());
  }

  @Test
  void constantCodeHasNoActiveDimensionAndScoresZero() {
    assertEquals(new FactorVaeMetric.Result(0, 0, 0),
        FactorVaeMetric.compute(SyntheticFactors.select(5, 1f, -1, -1), TRUTH, SMALL, 2));
  }

  @Test
  void pruningComparesTheStandardDeviationWithTheThreshold() {
    // A uniform factor of K classes has standard deviation √((K²−1)/12); scaled by 1/64 that is 0.013,
    // 0.027, 0.045, 0.036 and 0.054 for K = 3, 6, 10, 8, 12. Only the last reaches 0.05 (its variance,
    // 0.0029, would fail a variance test against 0.05).
    FactorVaeMetric.Result r = FactorVaeMetric.compute(SyntheticFactors.select(5, 1f / 64, 0, 1, 2, 3, 4), TRUTH, SMALL, 3);
    assertEquals(1, r.activeDims());
    // Every point votes for that one dimension, which predicts one factor: about 1/5 right.
    assertTrue(Math.abs(r.evalAccuracy() - 0.2) < 0.08, "eval accuracy " + r.evalAccuracy());
  }

  @Test
  void aMissingFactorSpreadsItsVotes() {
    // Factor 4 has no dimension: its points vote for arbitrary dimensions that predict other factors.
    FactorVaeMetric.Result r = FactorVaeMetric.compute(SyntheticFactors.select(5, 1f, 0, 1, 2, 3), TRUTH, SMALL, 4);
    assertTrue(Math.abs(r.evalAccuracy() - 0.8) < 0.08, "eval accuracy " + r.evalAccuracy());
    assertEquals(4, r.activeDims());
  }

  @Test
  void inputIndependentNoiseIsNearChance() {
    FactorVaeMetric.Result r = FactorVaeMetric.compute(SyntheticFactors.noise(5, 6), TRUTH, SMALL, 5);
    assertTrue(r.evalAccuracy() < 0.35, "eval accuracy " + r.evalAccuracy());
  }

  @Test
  void unbiasedVariancesPerDimension() {
    double[] codes = {1, 10, 2, 10, 3, 10, 4, 13}; // 4 codes of 2 dims
    assertArrayEquals(new double[] {5.0 / 3, 2.25}, FactorVaeMetric.variances(codes, 0, 4, 2), 1e-12);
    assertArrayEquals(new double[] {0.5, 4.5}, FactorVaeMetric.variances(codes, 2, 2, 2), 1e-12);
  }

  @Test
  void deterministicForASeed() {
    assertEquals(FactorVaeMetric.compute(SyntheticFactors.noise(4, 5), TRUTH, SMALL, 9),
        FactorVaeMetric.compute(SyntheticFactors.noise(4, 5), TRUTH, SMALL, 9));
  }
}
