package io.github.betavae.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Array comparisons for parity tests. Closeness is measured norm-wise, {@code max|actual − expected|
 * / max|expected|}, the sensible scale for float sums whose individual terms cancel. A failure names
 * the first mismatching elements and the maximum error.
 */
public final class Compare {
  private Compare() {}

  /** Norm-wise relative error {@code max|a − e| / max|e|} (absolute when expected is all zero). */
  public static double relError(double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length, "array lengths");
    double num = 0, den = 0;
    for (int i = 0; i < expected.length; i++) {
      num = Math.max(num, Math.abs(actual[i] - expected[i]));
      den = Math.max(den, Math.abs(expected[i]));
    }
    if (Double.isNaN(num) || hasNaN(actual) || hasNaN(expected)) return Double.NaN;
    return den == 0 ? num : num / den;
  }

  /** Asserts {@code relError(expected, actual) ≤ tol}. */
  public static void assertClose(String what, double[] expected, double[] actual, double tol) {
    double err = relError(expected, actual);
    if (err <= tol) return;
    double scale = 0;
    for (double v : expected) scale = Math.max(scale, Math.abs(v));
    StringBuilder sb = new StringBuilder(what).append(": relative error ").append(err).append(" > ").append(tol)
        .append(" (max |expected| = ").append(scale).append("); first mismatches:");
    int shown = 0;
    for (int i = 0; i < expected.length && shown < 5; i++) {
      double d = Math.abs(actual[i] - expected[i]);
      if (!(d <= tol * Math.max(scale, 1e-300))) {
        sb.append(String.format(" [%d] expected %.9g found %.9g;", i, expected[i], actual[i]));
        shown++;
      }
    }
    fail(sb.toString());
  }

  public static void assertClose(String what, double[] expected, float[] actual, double tol) {
    assertClose(what, expected, toDouble(actual), tol);
  }

  public static void assertClose(String what, float[] expected, float[] actual, double tol) {
    assertClose(what, toDouble(expected), toDouble(actual), tol);
  }

  /** Asserts the arrays hold the same float bit patterns. */
  public static void assertBitsEqual(String what, float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, what + ": array lengths");
    int bad = 0;
    StringBuilder sb = new StringBuilder();
    double maxErr = 0;
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
        if (bad < 5) sb.append(String.format(" [%d] %s vs %s;", i, expected[i], actual[i]));
        maxErr = Math.max(maxErr, Math.abs((double) expected[i] - actual[i]));
        bad++;
      }
    }
    if (bad > 0) fail(what + ": " + bad + " elements differ in their bits (max difference " + maxErr + "):" + sb);
  }

  public static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) d[i] = a[i];
    return d;
  }

  public static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
    return f;
  }

  private static boolean hasNaN(double[] a) {
    for (double v : a) if (Double.isNaN(v)) return true;
    return false;
  }
}
