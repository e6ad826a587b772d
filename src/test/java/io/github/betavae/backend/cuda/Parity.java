package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Element-wise comparison of a CUDA result with the CPU reference. The error of element i is
 * |actual − expected| / max(|expected|, rms(expected)): relative for ordinary values, measured
 * against the array's typical size for values near zero (where cancellation in a long sum leaves a
 * few ulps of the terms, not of the result). A failure lists the first mismatches and the max error.
 */
final class Parity {
  private Parity() {}

  static double maxError(float[] expected, float[] actual) {
    double rms = rms(expected);
    double max = 0;
    for (int i = 0; i < expected.length; i++) max = Math.max(max, error(expected[i], actual[i], rms));
    return max;
  }

  static void assertClose(String what, float[] expected, float[] actual, double tol) {
    if (expected.length != actual.length) {
      fail(what + ": expected " + expected.length + " values but found " + actual.length);
    }
    double rms = rms(expected);
    double max = 0;
    int bad = 0;
    StringBuilder first = new StringBuilder();
    for (int i = 0; i < expected.length; i++) {
      double e = error(expected[i], actual[i], rms);
      if (!(e <= tol)) {  // NaN counts as a mismatch
        if (bad < 5) first.append(String.format("%n  [%d] expected %.9g found %.9g (error %.3g)", i, expected[i], actual[i], e));
        bad++;
      }
      if (!(e <= max)) max = e;
    }
    if (bad > 0) {
      fail(String.format("%s: %d of %d values differ by more than %.1g; max error %.3g; first mismatches:%s",
          what, bad, expected.length, tol, max, first));
    }
  }

  private static double error(float expected, float actual, double rms) {
    double denom = Math.max(Math.abs((double) expected), rms);
    if (denom == 0) return actual == 0 ? 0 : Double.POSITIVE_INFINITY;
    return Math.abs((double) actual - expected) / denom;
  }

  private static double rms(float[] v) {
    double s = 0;
    for (float f : v) s += (double) f * f;
    return v.length == 0 ? 0 : Math.sqrt(s / v.length);
  }
}
