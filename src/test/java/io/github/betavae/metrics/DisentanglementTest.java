package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DisentanglementTest {
  private static final GroundTruth TRUTH = SyntheticFactors.truth(SyntheticFactors.SIZES);
  private static final Disentanglement.Counts SMALL = Disentanglement.Counts.of(16, 300, 200, 1000, 2000);

  @Test
  void factorsThemselvesScoreNearOneOnAllThree() {
    Disentanglement.Scores s = Disentanglement.score(SyntheticFactors.factorsPlusNoise(5, 3), TRUTH, SMALL, 42);
    assertTrue(s.betaVaeMetric() > 0.97, "β-VAE metric " + s.betaVaeMetric());
    assertTrue(s.factorVaeMetric() > 0.97, "FactorVAE metric " + s.factorVaeMetric());
    assertTrue(s.mig() > 0.9, "MIG " + s.mig());
    assertEquals(SMALL, s.counts());
    assertEquals(42, s.seed());
  }

  @Test
  void inputIndependentNoiseScoresNearTheFloor() {
    Disentanglement.Scores s = Disentanglement.score(SyntheticFactors.noise(6, 8), TRUTH, SMALL, 42);
    assertTrue(Math.abs(s.betaVaeMetric() - 0.2) < 0.1, "β-VAE metric " + s.betaVaeMetric());
    assertTrue(s.factorVaeMetric() < 0.35, "FactorVAE metric " + s.factorVaeMetric());
    assertTrue(s.mig() < 0.05, "MIG " + s.mig());
  }

  @Test
  void sameSeedSameScoresOtherSeedOtherSamples() {
    Disentanglement.Scores a = Disentanglement.score(SyntheticFactors.noise(4, 8), TRUTH, SMALL, 7);
    Disentanglement.Scores b = Disentanglement.score(SyntheticFactors.noise(4, 8), TRUTH, SMALL, 7);
    assertEquals(a.betaVaeMetric(), b.betaVaeMetric());
    assertEquals(a.factorVaeMetric(), b.factorVaeMetric());
    assertEquals(a.mig(), b.mig());
    Disentanglement.Scores c = Disentanglement.score(SyntheticFactors.noise(4, 8), TRUTH, SMALL, 8);
    assertTrue(a.mig() != c.mig() || a.betaVaeMetric() != c.betaVaeMetric(), "a different seed draws other factors");
  }

  @Test
  void aCentroidCodeOnDSpritesCapturesPositionOnly() {
    // Codes: the mean column and mean row of the lit pixels, i.e. position up to a shape-dependent offset.
    Encoder centroid = (images, n) -> {
      float[] out = new float[n * 2];
      for (int i = 0; i < n; i++) {
        double sx = 0, sy = 0, lit = 0;
        for (int p = 0; p < 4096; p++) {
          if (images[i * 4096 + p] > 0) {
            sx += p % 64;
            sy += p / 64;
            lit++;
          }
        }
        out[i * 2] = (float) (sx / lit);
        out[i * 2 + 1] = (float) (sy / lit);
      }
      return out;
    };
    Disentanglement.Scores s = Disentanglement.score(centroid, GroundTruth.dSprites(),
        Disentanglement.Counts.of(16, 200, 100, 500, 1000), 1);
    java.util.List<Double> gaps = s.migDetail().gaps();
    for (int f = 0; f < 3; f++) assertTrue(gaps.get(f) < 0.02, "shape, scale, orientation gap " + gaps);
    // 32 positions in 20 bins cap the gap at ln 20 / ln 32 = 0.86.
    for (int f = 3; f < 5; f++) assertTrue(gaps.get(f) > 0.5 && gaps.get(f) < 0.87, "position gap " + gaps);
    // Two factors recognised, the other three confused with each other: 2/5 + 3/5·1/3 = 0.6.
    assertEquals(0.6, s.betaVaeMetric(), 0.1);
  }

  @Test
  void defaultCountsAreDisentanglementLibs() {
    Disentanglement.Counts d = Disentanglement.Counts.DEFAULT;
    assertEquals(new BetaVaeMetric.Settings(64, 10_000, 5_000), d.betaVae());
    assertEquals(new FactorVaeMetric.Settings(64, 10_000, 5_000, 10_000, 0.05), d.factorVae());
    assertEquals(new Mig.Settings(10_000, 20), d.mig());
    assertEquals(d, Disentanglement.Counts.of(64, 10_000, 5_000, 10_000, 10_000));
  }
}
