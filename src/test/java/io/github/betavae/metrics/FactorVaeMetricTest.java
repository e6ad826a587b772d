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
    FactorVaeMetric.Result r = FactorVaeMetric.compute(SyntheticFactors.select(5, 1f, -1, -1), TRUTH, SMALL, 2);
    assertEquals(0, r.evalAccuracy());
    assertEquals(0, r.trainAccuracy());
    assertEquals(0, r.activeDims());
    assertEquals(0, r.trainVotes().length, "no votes without an active dimension");
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
    FactorVaeMetric.Result a = FactorVaeMetric.compute(SyntheticFactors.noise(4, 5), TRUTH, SMALL, 9);
    FactorVaeMetric.Result b = FactorVaeMetric.compute(SyntheticFactors.noise(4, 5), TRUTH, SMALL, 9);
    assertEquals(a.evalAccuracy(), b.evalAccuracy(), 0.0);
    assertEquals(a.trainAccuracy(), b.trainAccuracy(), 0.0);
    assertArrayEquals(a.trainVotes(), b.trainVotes());
    assertArrayEquals(a.evalVotes(), b.evalVotes());
  }

  @Test
  void votesRescoreToTheSameAccuracies() {
    FactorVaeMetric.Result r = FactorVaeMetric.compute(SyntheticFactors.noise(4, 5), TRUTH, SMALL, 9);
    double[] again = FactorVaeMetric.fromVotes(r.trainVotes(), r.evalVotes(), 4, 5);
    assertEquals(r.evalAccuracy(), again[0], 0.0);
    assertEquals(r.trainAccuracy(), again[1], 0.0);
    // Hand-made votes: dimension 0 votes factor 1 twice and 0 once, dimension 1 votes factor 2.
    double[] hand = FactorVaeMetric.fromVotes(new int[] {0, 1, 0, 1, 0, 0, 1, 2}, new int[] {0, 1, 1, 2, 0, 0, 1, 1}, 2, 3);
    assertEquals(0.5, hand[0], 0.0);
    assertEquals(0.75, hand[1], 0.0);
  }
}
