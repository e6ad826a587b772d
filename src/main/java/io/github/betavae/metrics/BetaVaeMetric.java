package io.github.betavae.metrics;

/**
 * The β-VAE disentanglement metric (Higgins et al. 2017), as disentanglement_lib defines it
 * ({@code beta_vae_sklearn}).
 *
 * <p>One training point: pick a factor k uniformly; draw two batches of {@code batchSize} factor
 * vectors uniformly and copy factor k of the first batch into the second, so each pair shares factor k
 * and nothing else by design; encode both batches; the point's features are the mean over the batch of
 * |code₁ − code₂| per code dimension and its label is k. A linear classifier ({@link
 * LogisticRegression}: scikit-learn's {@code LogisticRegression()} defaults, multinomial, L2 with C =
 * 1, on the raw features, as disentanglement_lib fits it) is fitted on {@code numTrain} points; the
 * score is its accuracy on {@code numEval} fresh points. A representation where each factor owns a
 * dimension scores 1 (the fixed factor's dimension has difference 0); chance is 1/F for F factors.
 *
 * <p>The features are rounded to float before the fit, so the {@code float32} arrays that {@code score
 * --dump} writes are exactly what was fitted. {@link Settings#standardize} z-scores them first: an
 * option that makes the score blind to the scale of each code dimension, not disentanglement_lib's
 * metric, and off by default.
 *
 * <p>Randomness: {@link RandomStream} sub-stream {@link RandomStream#BETA_VAE}; per point the factor
 * index is drawn first, then the first batch, then the second, row by row.
 */
public final class BetaVaeMetric {
  private BetaVaeMetric() {}

  /**
   * @param batchSize pairs averaged into one point (disentanglement_lib: 64)
   * @param numTrain points the classifier is fitted on (10,000)
   * @param numEval points it is scored on (5,000)
   * @param standardize z-score the features before the fit (not disentanglement_lib's metric)
   */
  public record Settings(int batchSize, int numTrain, int numEval, boolean standardize) {
    /** disentanglement_lib's counts: batch 64, 10,000 train and 5,000 eval points, raw features. */
    public static final Settings DEFAULT = new Settings(64, 10_000, 5_000);

    /** The given counts on the raw features. */
    public Settings(int batchSize, int numTrain, int numEval) {
      this(batchSize, numTrain, numEval, false);
    }

    /** The same counts, with or without standardisation. */
    public Settings withStandardize(boolean on) {
      return new Settings(batchSize, numTrain, numEval, on);
    }

    public Settings {
      if (batchSize < 1 || numTrain < 1 || numEval < 1) {
        throw new IllegalArgumentException("β-VAE metric: expected batch size, train and eval points ≥ 1 but found "
            + batchSize + ", " + numTrain + ", " + numEval);
      }
    }
  }

  /**
   * @param evalAccuracy the score: held-out accuracy in [0, 1]
   * @param trainAccuracy accuracy on the training points
   * @param trainFeatures what the classifier was fitted on: (numTrain, Z) row-major, float values
   * @param trainLabels the fixed factor of each training point
   * @param evalFeatures the scored points' features, (numEval, Z)
   * @param evalLabels their fixed factors
   */
  public record Result(double evalAccuracy, double trainAccuracy, double[] trainFeatures, int[] trainLabels,
                       double[] evalFeatures, int[] evalLabels) {}

  /** Computes the metric for {@code encoder} on {@code truth} from {@code seed}. */
  public static Result compute(Encoder encoder, GroundTruth truth, Settings s, long seed) {
    RandomStream rng = new RandomStream(seed, RandomStream.BETA_VAE);
    Representations reps = new Representations(truth, encoder);
    int[] trainLabels = new int[s.numTrain()];
    double[] train = points(reps, truth, rng, s.batchSize(), s.numTrain(), trainLabels);
    int[] evalLabels = new int[s.numEval()];
    double[] eval = points(reps, truth, rng, s.batchSize(), s.numEval(), evalLabels);
    return fromFeatures(train, trainLabels, eval, evalLabels, reps.latent(), truth.numFactors(), s.standardize());
  }

  /**
   * The classifier step from features (n·z values, row-major) and labels in [0, numFactors): fits on
   * the training points, scores the eval points. What {@code compute} runs after sampling, and what
   * re-scores a dump.
   */
  public static Result fromFeatures(double[] train, int[] trainLabels, double[] eval, int[] evalLabels, int z,
                                    int numFactors, boolean standardize) {
    int nTrain = trainLabels.length, nEval = evalLabels.length;
    if (train.length != (long) nTrain * z || eval.length != (long) nEval * z) {
      throw new IllegalArgumentException("β-VAE metric: expected " + (long) nTrain * z + " and " + (long) nEval * z
          + " feature values for " + nTrain + " and " + nEval + " points of " + z + " dimensions but found "
          + train.length + " and " + eval.length);
    }
    LogisticRegression model = LogisticRegression.fit(train, trainLabels, nTrain, z, numFactors,
        LogisticRegression.Settings.DEFAULT.withStandardize(standardize));
    return new Result(model.accuracy(eval, evalLabels, nEval), model.accuracy(train, trainLabels, nTrain),
        train, trainLabels, eval, evalLabels);
  }

  /** {@code count} points: features (count·Z) returned, labels written to {@code labels}. */
  private static double[] points(Representations reps, GroundTruth truth, RandomStream rng, int batch, int count,
                                 int[] labels) {
    int nf = truth.numFactors();
    // Enough points per group that the encoder sees about one chunk of observations per call.
    int group = Math.max(1, Representations.CHUNK / (2 * batch));
    int[] row = new int[nf];
    double[] features = null;
    for (int start = 0; start < count; start += group) {
      int g = Math.min(group, count - start);
      int[] classes = new int[g * 2 * batch * nf]; // per point: batch rows of x₁, then batch rows of x₂
      for (int p = 0; p < g; p++) {
        int k = rng.nextInt(nf);
        labels[start + p] = k;
        int base = p * 2 * batch * nf;
        for (int b = 0; b < 2 * batch; b++) {
          truth.sampleFactors(rng, row);
          System.arraycopy(row, 0, classes, base + b * nf, nf);
        }
        for (int b = 0; b < batch; b++) classes[base + (batch + b) * nf + k] = classes[base + b * nf + k];
      }
      double[] codes = reps.encode(classes, g * 2 * batch);
      int z = reps.latent();
      if (features == null) features = new double[count * z];
      for (int p = 0; p < g; p++) {
        int first = p * 2 * batch * z, second = first + batch * z;
        int out = (start + p) * z;
        for (int b = 0; b < batch; b++) {
          for (int d = 0; d < z; d++) {
            features[out + d] += Math.abs(codes[first + b * z + d] - codes[second + b * z + d]);
          }
        }
        // Rounded to float: the dumped float32 features are then exactly what the classifier saw.
        for (int d = 0; d < z; d++) features[out + d] = (float) (features[out + d] / batch);
      }
    }
    return features;
  }
}
