package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LogisticRegressionTest {

  /** Three well-separated clusters in 2-D, plus a third feature of pure noise on another scale. */
  private static double[] clusters(int n, int[] y, long seed) {
    Random r = new Random(seed);
    double[][] centres = {{0, 0}, {6, 0}, {0, 6}};
    double[] x = new double[n * 3];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
      x[i * 3] = centres[y[i]][0] + r.nextGaussian();
      x[i * 3 + 1] = centres[y[i]][1] + r.nextGaussian();
      x[i * 3 + 2] = 1000 + 50 * r.nextGaussian();
    }
    return x;
  }

  @Test
  void separatesWellSeparatedClasses() {
    int n = 300;
    int[] y = new int[n], yt = new int[n];
    double[] x = clusters(n, y, 1), xt = clusters(n, yt, 2);
    LogisticRegression m = LogisticRegression.fit(x, y, n, 3, 3);
    assertTrue(m.accuracy(x, y, n) >= 0.99, "train accuracy " + m.accuracy(x, y, n));
    assertTrue(m.accuracy(xt, yt, n) >= 0.98, "held-out accuracy " + m.accuracy(xt, yt, n));
  }

  @Test
  void noiseLabelsGiveChanceOnHeldOutData() {
    Random r = new Random(5);
    int n = 2000, p = 4, k = 5;
    double[] x = new double[n * p], xt = new double[n * p];
    int[] y = new int[n], yt = new int[n];
    for (int i = 0; i < n * p; i++) {
      x[i] = r.nextGaussian();
      xt[i] = r.nextGaussian();
    }
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(k);
      yt[i] = r.nextInt(k);
    }
    double acc = LogisticRegression.fit(x, y, n, p, k).accuracy(xt, yt, n);
    assertTrue(Math.abs(acc - 0.2) < 0.05, "held-out accuracy on noise " + acc);
  }

  @Test
  void fitReachesAStationaryPointOfTheStatedObjectiveOnTheRawFeatures() {
    int n = 120;
    int[] y = new int[n];
    double[] x = clusters(n, y, 3);
    // Overlapping classes so the optimum is finite and well inside the iteration budget.
    for (int i = 0; i < n * 3; i++) x[i] *= 0.25;
    LogisticRegression m = LogisticRegression.fit(x, y, n, 3, 3);
    // The third feature sits near 250 ± 12 on the raw scale: the problem is badly conditioned, and the
    // fit stops where no step lowers the objective in double, a gradient of a few 1e-7.
    assertStationary(m, withOnes(x, n, 3), y, n, 1e-5);
    assertTrue(m.iterations() < LogisticRegression.Settings.DEFAULT.maxIterations(), "stopped before the limit");
  }

  @Test
  void standardisationIsAnOptionThatFitsTheStandardisedProblem() {
    int n = 120;
    int[] y = new int[n];
    double[] x = clusters(n, y, 3);
    for (int i = 0; i < n * 3; i++) x[i] *= 0.25;
    LogisticRegression.Settings on = LogisticRegression.Settings.DEFAULT.withStandardize(true);
    LogisticRegression std = LogisticRegression.fit(x, y, n, 3, 3, on);
    assertStationary(std, standardised(x, n, 3), y, n, 1e-7);
    // Different problems, different minimisers: the raw fit is not the standardised one.
    double[] raw = LogisticRegression.fit(x, y, n, 3, 3).parameters(), st = std.parameters();
    double diff = 0;
    for (int a = 0; a < raw.length; a++) diff = Math.max(diff, Math.abs(raw[a] - st[a]));
    assertTrue(diff > 0.01, "raw and standardised parameters differ by only " + diff);
  }

  private static void assertStationary(LogisticRegression m, double[] z, int[] y, int n, double tol) {
    double[] w = m.parameters();
    double[] grad = new double[w.length];
    LogisticRegression.gradient(z, y, n, 4, 3, 1.0 / n, w, grad, new double[3]);
    for (double g : grad) assertEquals(0, g, tol);
  }

  private static double[] withOnes(double[] x, int n, int p) {
    double[] z = new double[n * (p + 1)];
    for (int i = 0; i < n; i++) {
      System.arraycopy(x, i * p, z, i * (p + 1), p);
      z[i * (p + 1) + p] = 1;
    }
    return z;
  }

  @Test
  void gradientMatchesCentralDifferences() {
    int n = 30, q = 3, k = 4;
    Random r = new Random(9);
    double[] z = new double[n * q];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      z[i * q] = r.nextGaussian();
      z[i * q + 1] = r.nextGaussian();
      z[i * q + 2] = 1;
      y[i] = r.nextInt(k);
    }
    double[] w = new double[k * q];
    for (int a = 0; a < w.length; a++) w[a] = r.nextGaussian();
    double[] grad = new double[w.length], scratch = new double[w.length], prob = new double[k];
    LogisticRegression.gradient(z, y, n, q, k, 0.3, w, grad, prob);
    double h = 1e-6;
    for (int a = 0; a < w.length; a++) {
      double keep = w[a];
      w[a] = keep + h;
      double up = LogisticRegression.gradient(z, y, n, q, k, 0.3, w, scratch, prob);
      w[a] = keep - h;
      double down = LogisticRegression.gradient(z, y, n, q, k, 0.3, w, scratch, prob);
      w[a] = keep;
      assertEquals((up - down) / (2 * h), grad[a], 1e-7, "parameter " + a);
    }
  }

  @Test
  void constantFeaturesPredictTheMajorityClass() {
    int n = 10;
    double[] x = new double[n * 2];
    int[] y = {2, 2, 2, 1, 1, 0, 2, 2, 1, 0};
    LogisticRegression m = LogisticRegression.fit(x, y, n, 2, 3);
    assertEquals(2, m.predict(new double[] {0, 0}, 0));
    assertEquals(0.5, m.accuracy(x, y, n), 1e-12);
  }

  @Test
  void fitIsDeterministic() {
    int n = 90;
    int[] y = new int[n];
    double[] x = clusters(n, y, 4);
    assertArrayEquals(LogisticRegression.fit(x, y, n, 3, 3).parameters(), LogisticRegression.fit(x, y, n, 3, 3).parameters());
  }

  @Test
  void rejectsLabelsOutOfRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LogisticRegression.fit(new double[2], new int[] {0, 3}, 2, 1, 3));
    assertEquals("logistic regression: expected labels in [0, 3) but found 3 at sample 1", e.getMessage());
  }

  private static double[] standardised(double[] x, int n, int p) {
    double[] z = new double[n * (p + 1)];
    for (int j = 0; j < p; j++) {
      double mean = 0, var = 0;
      for (int i = 0; i < n; i++) mean += x[i * p + j];
      mean /= n;
      for (int i = 0; i < n; i++) var += (x[i * p + j] - mean) * (x[i * p + j] - mean);
      double sd = Math.sqrt(var / n);
      for (int i = 0; i < n; i++) z[i * (p + 1) + j] = (x[i * p + j] - mean) / sd;
    }
    for (int i = 0; i < n; i++) z[i * (p + 1) + p] = 1;
    return z;
  }
}
