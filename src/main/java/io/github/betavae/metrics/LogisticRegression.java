package io.github.betavae.metrics;

/**
 * Multinomial logistic regression with an L2 penalty: the classifier of the β-VAE metric, fitted to
 * the same minimiser as scikit-learn's {@code LogisticRegression()} with its defaults (lbfgs,
 * multinomial, C = 1, intercept fitted and not penalised), which is what disentanglement_lib calls.
 *
 * <p>Model: class scores {@code s_k = b_k + Σ_j W_kj·x_j} on the raw features (or, only when asked
 * with {@link Settings#standardize}, on features standardised with the training mean and population
 * standard deviation, a feature constant in training then set to 0). Fitted objective, minimised over
 * W and b:
 * <pre>
 *   (1/n)·Σ_i −log softmax(s(x_i))_{y_i}  +  (1/(2·C·n))·‖W‖²
 * </pre>
 * which is scikit-learn's objective {@code C·Σ_i loss_i + ½‖W‖²} divided by C·n (same minimiser).
 *
 * <p>Optimiser: limited-memory BFGS (10 pairs, as scipy's L-BFGS-B under scikit-learn) from zero, with
 * a backtracking Armijo line search; pairs with non-positive curvature are skipped. It stops when the
 * largest gradient entry falls below the tolerance, when no step decreases the objective any more, or
 * at the iteration limit. The default tolerance is far tighter than scikit-learn's 1e-4, so the fit
 * lands on the minimiser that scikit-learn approaches. Every sum runs in a fixed order, so a fit is a
 * pure function of its inputs.
 */
public final class LogisticRegression {

  /**
   * @param c inverse regularisation strength C &gt; 0 (scikit-learn's meaning)
   * @param maxIterations iteration limit ≥ 1
   * @param tolerance stop when every gradient entry is below this in magnitude
   * @param standardize z-score the features with the training statistics before fitting; off in
   *     {@link #DEFAULT}, as in disentanglement_lib
   */
  public record Settings(double c, int maxIterations, double tolerance, boolean standardize) {
    /** scikit-learn's defaults, C = 1 on the raw features, fitted to a gradient below 1e-9. */
    public static final Settings DEFAULT = new Settings(1.0, 1000, 1e-9, false);

    public Settings {
      if (!(c > 0) || Double.isInfinite(c)) {
        throw new IllegalArgumentException("logistic regression: expected C finite and > 0 but found " + c);
      }
      if (maxIterations < 1) {
        throw new IllegalArgumentException("logistic regression: expected max iterations ≥ 1 but found " + maxIterations);
      }
      if (!(tolerance >= 0)) {
        throw new IllegalArgumentException("logistic regression: expected tolerance ≥ 0 but found " + tolerance);
      }
    }

    /** The same settings with standardisation on or off. */
    public Settings withStandardize(boolean on) {
      return new Settings(c, maxIterations, tolerance, on);
    }
  }

  /** L-BFGS memory: scipy's default, which scikit-learn keeps. */
  private static final int MEMORY = 10;

  private final int features;
  private final int classes;
  private final double[] mean;
  private final double[] scale; // 1/std, or 0 for constant features; all 1 on the raw scale
  private final double[] theta; // (classes, features + 1): weights then the intercept, per class
  private final int iterations;

  private LogisticRegression(int features, int classes, double[] mean, double[] scale, double[] theta, int iterations) {
    this.features = features;
    this.classes = classes;
    this.mean = mean;
    this.scale = scale;
    this.theta = theta;
    this.iterations = iterations;
  }

  /** Fits with {@link Settings#DEFAULT}. */
  public static LogisticRegression fit(double[] x, int[] y, int n, int features, int classes) {
    return fit(x, y, n, features, classes, Settings.DEFAULT);
  }

  /**
   * Fits on {@code n} samples: features {@code x[i·p .. (i+1)·p)}, labels {@code y[i]} in [0, classes).
   */
  public static LogisticRegression fit(double[] x, int[] y, int n, int features, int classes, Settings s) {
    check(x, y, n, features, classes);
    int p = features, q = p + 1;
    double[] mean = new double[p], scale = new double[p];
    java.util.Arrays.fill(scale, 1);
    if (s.standardize()) standardisation(x, n, p, mean, scale);
    double[] z = new double[n * q]; // (standardised) features with a trailing 1
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) z[i * q + j] = (x[i * p + j] - mean[j]) * scale[j];
      z[i * q + p] = 1;
    }
    double lambda = 1 / (s.c() * n);
    int m = classes * q;
    double[] w = new double[m], grad = new double[m], prob = new double[classes];
    double[] dir = new double[m], trial = new double[m], trialGrad = new double[m], alpha = new double[MEMORY];
    double[][] sMem = new double[MEMORY][m], yMem = new double[MEMORY][m];
    double[] rho = new double[MEMORY];
    int stored = 0, newest = -1;
    double f = gradient(z, y, n, q, classes, lambda, w, grad, prob);
    int it = 0;
    while (it < s.maxIterations() && maxAbs(grad) >= s.tolerance()) {
      it++;
      // Two-loop recursion: dir = −H·grad with the stored pairs, newest first.
      for (int k = 0; k < m; k++) dir[k] = -grad[k];
      for (int back = 0; back < stored; back++) {
        int j = Math.floorMod(newest - back, MEMORY);
        alpha[j] = rho[j] * dot(sMem[j], dir);
        for (int k = 0; k < m; k++) dir[k] -= alpha[j] * yMem[j][k];
      }
      double gamma = stored == 0 ? 1 / Math.max(1, maxAbs(grad)) : dot(sMem[newest], yMem[newest]) / dot(yMem[newest], yMem[newest]);
      for (int k = 0; k < m; k++) dir[k] *= gamma;
      for (int fwd = stored - 1; fwd >= 0; fwd--) {
        int j = Math.floorMod(newest - fwd, MEMORY);
        double beta = rho[j] * dot(yMem[j], dir);
        for (int k = 0; k < m; k++) dir[k] += (alpha[j] - beta) * sMem[j][k];
      }
      double slope = dot(grad, dir);
      if (!(slope < 0)) { // not a descent direction (rounding): restart from the gradient
        stored = 0;
        for (int k = 0; k < m; k++) dir[k] = -grad[k] / Math.max(1, maxAbs(grad));
        slope = dot(grad, dir);
      }
      double t = 1, fNew = Double.NaN;
      boolean accepted = false;
      for (int tries = 0; tries < 60; tries++, t *= 0.5) {
        for (int k = 0; k < m; k++) trial[k] = w[k] + t * dir[k];
        fNew = gradient(z, y, n, q, classes, lambda, trial, trialGrad, prob);
        if (fNew <= f + 1e-4 * t * slope) {
          accepted = true;
          break;
        }
      }
      if (!accepted || !(fNew < f)) break; // at the minimiser to rounding: nothing decreases the objective
      int slot = (newest + 1) % MEMORY;
      double sy = 0;
      for (int k = 0; k < m; k++) {
        sMem[slot][k] = trial[k] - w[k];
        yMem[slot][k] = trialGrad[k] - grad[k];
        sy += sMem[slot][k] * yMem[slot][k];
      }
      if (sy > 1e-300) {
        rho[slot] = 1 / sy;
        newest = slot;
        stored = Math.min(stored + 1, MEMORY);
      }
      System.arraycopy(trial, 0, w, 0, m);
      System.arraycopy(trialGrad, 0, grad, 0, m);
      f = fNew;
    }
    return new LogisticRegression(p, classes, mean, scale, w, it);
  }

  /** Training mean and 1/(population standard deviation) per feature; 0 for a constant feature. */
  private static void standardisation(double[] x, int n, int p, double[] mean, double[] scale) {
    java.util.Arrays.fill(scale, 0);
    for (int i = 0; i < n; i++) for (int j = 0; j < p; j++) mean[j] += x[i * p + j];
    for (int j = 0; j < p; j++) mean[j] /= n;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) {
        double dv = x[i * p + j] - mean[j];
        scale[j] += dv * dv;
      }
    }
    for (int j = 0; j < p; j++) {
      double sd = Math.sqrt(scale[j] / n);
      // A feature whose spread is at rounding level carries nothing; scaling it up would only amplify noise.
      scale[j] = sd > 1e-12 * (1 + Math.abs(mean[j])) ? 1 / sd : 0;
    }
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) s += a[k] * b[k];
    return s;
  }

  private static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) m = Math.max(m, Math.abs(v));
    return m;
  }

  /** The predicted class of one sample {@code x[off .. off+p)}; ties go to the lower class. */
  public int predict(double[] x, int off) {
    int q = features + 1;
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < classes; k++) {
      double sc = theta[k * q + features];
      for (int j = 0; j < features; j++) sc += theta[k * q + j] * (x[off + j] - mean[j]) * scale[j];
      if (sc > bestScore) {
        bestScore = sc;
        best = k;
      }
    }
    return best;
  }

  /** The fraction of the {@code n} samples whose predicted class equals the label. */
  public double accuracy(double[] x, int[] y, int n) {
    check(x, y, n, features, classes);
    int right = 0;
    for (int i = 0; i < n; i++) if (predict(x, i * features) == y[i]) right++;
    return n == 0 ? 0 : (double) right / n;
  }

  /** Iterations the fit ran. */
  public int iterations() {
    return iterations;
  }

  /**
   * The fitted parameters, per class p weights then the intercept, on the scale the fit ran on (raw
   * features unless {@link Settings#standardize}).
   */
  public double[] parameters() {
    return theta.clone();
  }

  /**
   * The fitted objective and its gradient at parameters {@code w} on the fitted features {@code z}
   * (n rows of q = p+1 values, the last 1): writes ∂/∂w to {@code grad} and returns the value.
   */
  static double gradient(double[] z, int[] y, int n, int q, int classes, double lambda, double[] w,
                         double[] grad, double[] prob) {
    java.util.Arrays.fill(grad, 0);
    double loss = 0;
    for (int i = 0; i < n; i++) {
      int row = i * q;
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        double sc = 0;
        for (int j = 0; j < q; j++) sc += w[k * q + j] * z[row + j];
        prob[k] = sc;
        max = Math.max(max, sc);
      }
      double sum = 0;
      for (int k = 0; k < classes; k++) sum += Math.exp(prob[k] - max);
      double logZ = max + Math.log(sum);
      loss += logZ - prob[y[i]];
      for (int k = 0; k < classes; k++) {
        double r = Math.exp(prob[k] - logZ) - (k == y[i] ? 1 : 0);
        for (int j = 0; j < q; j++) grad[k * q + j] += r * z[row + j];
      }
    }
    double reg = 0;
    for (int k = 0; k < classes; k++) {
      for (int j = 0; j < q; j++) {
        int a = k * q + j;
        grad[a] /= n;
        if (j < q - 1) { // the intercept is not penalised
          grad[a] += lambda * w[a];
          reg += w[a] * w[a];
        }
      }
    }
    return loss / n + 0.5 * lambda * reg;
  }

  private static void check(double[] x, int[] y, int n, int features, int classes) {
    if (n < 1 || features < 1 || classes < 1) {
      throw new IllegalArgumentException("logistic regression: expected n, features and classes ≥ 1 but found "
          + n + ", " + features + ", " + classes);
    }
    if (x.length < (long) n * features || y.length < n) {
      throw new IllegalArgumentException("logistic regression: expected " + (long) n * features
          + " feature values and " + n + " labels but found " + x.length + " and " + y.length);
    }
    for (int i = 0; i < n; i++) {
      if (y[i] < 0 || y[i] >= classes) {
        throw new IllegalArgumentException("logistic regression: expected labels in [0, " + classes
            + ") but found " + y[i] + " at sample " + i);
      }
    }
  }
}
