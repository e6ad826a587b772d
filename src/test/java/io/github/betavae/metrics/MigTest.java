package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MigTest {
  private static final GroundTruth TRUTH = SyntheticFactors.truth(SyntheticFactors.SIZES);
  private static final Mig.Settings SMALL = new Mig.Settings(3000, 20);

  @Test
  void oneDimensionPerFactorWithNoiseAndConstantDimensionsScoresHigh() {
    Encoder enc = (images, n) -> {
      float[] a = SyntheticFactors.select(5, 1f, 2, -1, 0, 4, 1, 3).encode(images, n);
      float[] noise = SyntheticFactors.noise(1, 3).encode(images, n);
      for (int i = 0; i < n; i++) a[i * 6 + 1] = noise[i];
      return a;
    };
    Mig.Result r = Mig.compute(enc, TRUTH, SMALL, 1);
    assertTrue(r.mig() > 0.95, "MIG " + r.mig());
    for (double g : r.gaps()) assertTrue(g > 0.9, "gap " + g);
  }

  @Test
  void missingFactorsHaveNoGap() {
    Mig.Result r = Mig.compute(SyntheticFactors.select(5, 1f, 0, 1, 2, -1), TRUTH, SMALL, 2);
    assertEquals(0.6, r.mig(), 0.02);
    assertEquals(0, r.gaps().get(3), 0.01);
    assertEquals(0, r.gaps().get(4), 0.01);
  }

  @Test
  void aFactorCopiedIntoTwoDimensionsHasNoGap() {
    Mig.Result r = Mig.compute(SyntheticFactors.select(5, 1f, 0, 0, 1, 2, 3, 4), TRUTH, SMALL, 3);
    assertEquals(0, r.gaps().get(0), 1e-12, "both copies carry all of factor 0");
    assertEquals(0.8, r.mig(), 0.02);
  }

  @Test
  void moreClassesThanBinsCapsTheGap() {
    GroundTruth forty = SyntheticFactors.truth(40, 2);
    Mig.Result r = Mig.compute(SyntheticFactors.select(2, 1f, 0, 1), forty, new Mig.Settings(20_000, 20), 4);
    // 40 evenly spaced values fall two to a bin: I = ln 20 against H = ln 40.
    assertEquals(Math.log(20) / Math.log(40), r.gaps().get(0), 0.01);
    assertEquals(1, r.gaps().get(1), 0.01);
  }

  @Test
  void noiseScoresNearZero() {
    assertTrue(Mig.compute(SyntheticFactors.noise(6, 5), TRUTH, SMALL, 5).mig() < 0.03);
  }

  @Test
  void binsFollowHistogramEdgesWithTheMaximumInTheLastBin() {
    double[] v = {0, 0.25, 0.5, 0.74, 0.75, 1, 0.1};
    int[] out = new int[v.length];
    Mig.discretise(v, 0, 1, v.length, 4, out);
    assertArrayEquals(new int[] {0, 1, 2, 2, 3, 3, 0}, out);
    double[] constant = {3, 3, 3};
    int[] c = {7, 7, 7};
    Mig.discretise(constant, 0, 1, 3, 20, c);
    assertArrayEquals(new int[] {0, 0, 0}, c);
    // column 1 of 2-wide codes
    double[] two = {9, -1, 9, 1, 9, 0};
    int[] t = new int[3];
    Mig.discretise(two, 1, 2, 3, 2, t);
    assertArrayEquals(new int[] {0, 1, 1}, t);
  }

  @Test
  void discreteMutualInformationOnHandCases() {
    int[] a = {0, 0, 1, 1}, b = {0, 1, 0, 1};
    assertEquals(Math.log(2), Mig.mutualInfo(a, 2, a, 2), 1e-12);
    assertEquals(0, Mig.mutualInfo(a, 2, b, 2), 1e-12);
    // a = (0,0,1,1,1,1), b = (0,1,1,1,1,1): I = H(b) − H(b|a) = H(1/6) − (1/3)·ln 2
    int[] x = {0, 0, 1, 1, 1, 1}, y = {0, 1, 1, 1, 1, 1};
    double hy = -(1.0 / 6) * Math.log(1.0 / 6) - (5.0 / 6) * Math.log(5.0 / 6);
    assertEquals(hy - Math.log(2) / 3, Mig.mutualInfo(x, 2, y, 2), 1e-12);
  }

  @Test
  void deterministicForASeed() {
    assertEquals(Mig.compute(SyntheticFactors.noise(3, 1), TRUTH, SMALL, 6).mig(),
        Mig.compute(SyntheticFactors.noise(3, 1), TRUTH, SMALL, 6).mig());
  }
}
