package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BetaVaeMetricTest {
  private static final GroundTruth TRUTH = SyntheticFactors.truth(SyntheticFactors.SIZES);
  private static final BetaVaeMetric.Settings SMALL = new BetaVaeMetric.Settings(16, 400, 300);

  @Test
  void oneDimensionPerFactorScoresOne() {
    BetaVaeMetric.Result r = BetaVaeMetric.compute(SyntheticFactors.select(5, 1f, 4, 2, 0, 3, 1), TRUTH, SMALL, 1);
    assertEquals(1.0, r.evalAccuracy());
    assertEquals(1.0, r.trainAccuracy());
  }

  @Test
  void twoMissingFactorsCannotBeToldApart() {
    // Factors 3 and 4 leave no trace, so their points look alike: 3/5 right plus half of the other 2/5.
    BetaVaeMetric.Result r = BetaVaeMetric.compute(SyntheticFactors.select(5, 1f, 0, 1, 2, -1), TRUTH, SMALL, 2);
    assertTrue(Math.abs(r.evalAccuracy() - 0.8) < 0.07, "eval accuracy " + r.evalAccuracy());
  }

  @Test
  void constantCodeIsAtChance() {
    BetaVaeMetric.Result r = BetaVaeMetric.compute(SyntheticFactors.select(5, 1f, -1, -1, -1), TRUTH, SMALL, 3);
    assertTrue(Math.abs(r.evalAccuracy() - 0.2) < 0.08, "eval accuracy " + r.evalAccuracy());
  }

  @Test
  void rawFeaturesAreScaleSensitiveAsInTheReferenceStandardisedOnesAreNot() {
    // On the raw features (disentanglement_lib's metric) the L2 penalty acts on the code's own scale,
    // so scaling the code changes the fit; standardised features undo an exact power-of-two rescaling.
    BetaVaeMetric.Result a = BetaVaeMetric.compute(SyntheticFactors.select(5, 1f, 0, 1, 2), TRUTH, SMALL, 4);
    BetaVaeMetric.Result b = BetaVaeMetric.compute(SyntheticFactors.select(5, 64f, 0, 1, 2), TRUTH, SMALL, 4);
    assertTrue(a.evalAccuracy() != b.evalAccuracy() || a.trainAccuracy() != b.trainAccuracy(),
        "raw features: scaling by 64 should move the fit, both gave " + a.evalAccuracy());
    BetaVaeMetric.Settings std = SMALL.withStandardize(true);
    BetaVaeMetric.Result c = BetaVaeMetric.compute(SyntheticFactors.select(5, 1f, 0, 1, 2), TRUTH, std, 4);
    BetaVaeMetric.Result d = BetaVaeMetric.compute(SyntheticFactors.select(5, 64f, 0, 1, 2), TRUTH, std, 4);
    assertEquals(c.evalAccuracy(), d.evalAccuracy(), 0.0);
    assertEquals(c.trainAccuracy(), d.trainAccuracy(), 0.0);
  }

  @Test
  void deterministicForASeed() {
    BetaVaeMetric.Result a = BetaVaeMetric.compute(SyntheticFactors.noise(3, 5), TRUTH, SMALL, 9);
    BetaVaeMetric.Result b = BetaVaeMetric.compute(SyntheticFactors.noise(3, 5), TRUTH, SMALL, 9);
    assertEquals(a.evalAccuracy(), b.evalAccuracy(), 0.0);
    assertEquals(a.trainAccuracy(), b.trainAccuracy(), 0.0);
    assertArrayEquals(a.trainFeatures(), b.trainFeatures());
    assertArrayEquals(a.evalLabels(), b.evalLabels());
  }

  @Test
  void featuresAreFloatValuesSoTheDumpIsExact() {
    BetaVaeMetric.Result r = BetaVaeMetric.compute(SyntheticFactors.noise(3, 5), TRUTH, SMALL, 9);
    for (double f : r.trainFeatures()) assertEquals(f, (double) (float) f, 0.0);
    assertEquals(SMALL.numTrain() * 3, r.trainFeatures().length);
    assertEquals(SMALL.numEval(), r.evalLabels().length);
  }

  @Test
  void rejectsEmptyCounts() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BetaVaeMetric.Settings(64, 0, 10));
    assertTrue(e.getMessage().contains("≥ 1") && e.getMessage().contains("64, 0, 10"), e.getMessage());
  }
}
