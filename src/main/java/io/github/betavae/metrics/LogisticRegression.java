package io.github.betavae.metrics;

/**
 * Multinomial logistic regression with an L2 penalty, fitted by deterministic full-batch accelerated
 * gradient descent on standardised features: the classifier of the β-VAE metric.
 *
 * <p>Model: class scores {@code s_k = b_k + Σ_j W_kj·x̃_j} on features standardised with the training
 * mean and (population) standard deviation; a feature constant in training is set to 0. Fitted
 * objective, minimised over W and b:
 * <pre>
 *   (1/n)·Σ_i −log softmax(s(x_i))_{y_i}  +  (1/(2·C·n))·‖W‖²
 * </pre>
 * which is scikit-learn's {@code LogisticRegression} objective divided by C·n (same minimiser), the
 * intercept not penalised; its default C = 1 is the default here.
 *
 * <p>Optimiser: Nesterov's accelerated gradient with the fixed step 1/L, L = ½·λ_max(X̃ᵀX̃/n) + 1/(C·n)
 * (X̃ with a column of ones; ½ bounds the softmax curvature), restarted whenever the step goes against
 * the gradient (O'Donoghue &amp; Candès 2015). It stops when the largest gradient entry falls below the
 * tolerance or after the iteration limit. All sums run in a fixed order, so a fit is a pure function of
 * its inputs.
 */
public final class LogisticRegression {

  /**
   * @param c inverse regularisation strength C &gt; 0 (scikit-learn's meaning)
   * @param maxIterations iteration limit ≥ 1
   * @param tolerance stop when every gradient entry is below this in magnitude
   */
  public record Settings(double c, int maxIterations, double tolerance) {
    /** C = 1, 2000 iterations, tolerance 1e-6. */
    public static final Settings DEFAULT = new Settings(1.0, 2000, 1e-6);

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
  }

  private final int features;
  private final int classes;
  private final double[] mean;
  private final double[] scale; // 1/std, or 0 for constant features
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
    double[] z = new double[n * q]; // standardised features with a trailing 1
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) z[i * q + j] = (x[i * p + j] - mean[j]) * scale[j];
      z[i * q + p] = 1;
    }
    double lambda = 1 / (s.c() * n);
    double step = 1 / (0.5 * largestEigenvalue(z, n, q) + lambda);

    int m = classes * q;
    double[] w = new double[m], prev = new double[m], ahead = new double[m], grad = new double[m];
    double[] prob = new double[classes];
    double t = 1;
    int it = 0;
    while (it < s.maxIterations()) {
      it++;
      gradient(z, y, n, q, classes, lambda, ahead, grad, prob);
      double gmax = 0;
      for (double g : grad) gmax = Math.max(gmax, Math.abs(g));
      if (gmax < s.tolerance()) {
        System.arraycopy(ahead, 0, w, 0, m);
        break;
      }
      System.arraycopy(w, 0, prev, 0, m);
      double against = 0;
      for (int k = 0; k < m; k++) {
        w[k] = ahead[k] - step * grad[k];
        against += grad[k] * (w[k] - prev[k]);
      }
      if (against > 0) t = 1; // momentum points uphill: restart
      double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      double mom = (t - 1) / tNext;
      t = tNext;
      for (int k = 0; k < m; k++) ahead[k] = w[k] + mom * (w[k] - prev[k]);
    }
    return new LogisticRegression(p, classes, mean, scale, w, it);
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

  /** The fitted parameters on the standardised scale: per class, p weights then the intercept. */
  public double[] parameters() {
    return theta.clone();
  }

  /**
   * The fitted objective and its gradient at parameters {@code w} on standardised features {@code z}
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

  /** λ_max of ZᵀZ/n by power iteration on the q×q Gram matrix (q is small: the code size plus one). */
  private static double largestEigenvalue(double[] z, int n, int q) {
    double[] g = new double[q * q];
    for (int i = 0; i < n; i++) {
      for (int a = 0; a < q; a++) {
        double za = z[i * q + a];
        for (int b = 0; b < q; b++) g[a * q + b] += za * z[i * q + b];
      }
    }
    for (int k = 0; k < g.length; k++) g[k] /= n;
    double[] v = new double[q], u = new double[q];
    java.util.Arrays.fill(v, 1 / Math.sqrt(q));
    double lam = 0;
    for (int it = 0; it < 200; it++) {
      double norm = 0;
      for (int a = 0; a < q; a++) {
        double s = 0;
        for (int b = 0; b < q; b++) s += g[a * q + b] * v[b];
        u[a] = s;
        norm += s * s;
      }
      norm = Math.sqrt(norm);
      if (norm == 0) return 1;
      for (int a = 0; a < q; a++) v[a] = u[a] / norm;
      if (Math.abs(norm - lam) <= 1e-9 * norm) {
        lam = norm;
        break;
      }
      lam = norm;
    }
    // Power iteration approaches λ_max from below; a small margin keeps the step safely under 1/L.
    return lam * 1.05;
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
