package io.github.betavae.metrics;

/**
 * The β-VAE disentanglement metric (Higgins et al. 2017), as disentanglement_lib defines it
 * ({@code beta_vae_sklearn}).
 *
 * <p>One training point: pick a factor k uniformly; draw two batches of {@code batchSize} factor
 * vectors uniformly and copy factor k of the first batch into the second, so each pair shares factor k
 * and nothing else by design; encode both batches; the point's features are the mean over the batch of
 * |code₁ − code₂| per code dimension and its label is k. A linear classifier ({@link
 * LogisticRegression}, multinomial, L2 with C = 1, on standardised features) is fitted on {@code
 * numTrain} points; the score is its accuracy on {@code numEval} fresh points. A representation where
 * each factor owns a dimension scores 1 (the fixed factor's dimension has difference 0); chance is
 * 1/F for F factors.
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
   */
  public record Settings(int batchSize, int numTrain, int numEval) {
    /** disentanglement_lib's counts: batch 64, 10,000 train and 5,000 eval points. */
    public static final Settings DEFAULT = new Settings(64, 10_000, 5_000);

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
   */
  public record Result(double evalAccuracy, double trainAccuracy) {}

  /** Computes the metric for {@code encoder} on {@code truth} from {@code seed}. */
  public static Result compute(Encoder encoder, GroundTruth truth, Settings s, long seed) {
    RandomStream rng = new RandomStream(seed, RandomStream.BETA_VAE);
    Representations reps = new Representations(truth, encoder);
    int[] trainLabels = new int[s.numTrain()];
    double[] train = points(reps, truth, rng, s.batchSize(), s.numTrain(), trainLabels);
    int z = reps.latent();
    int nf = truth.numFactors();
    LogisticRegression model = LogisticRegression.fit(train, trainLabels, s.numTrain(), z, nf);
    int[] evalLabels = new int[s.numEval()];
    double[] eval = points(reps, truth, rng, s.batchSize(), s.numEval(), evalLabels);
    return new Result(model.accuracy(eval, evalLabels, s.numEval()), model.accuracy(train, trainLabels, s.numTrain()));
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
        for (int d = 0; d < z; d++) features[out + d] /= batch;
      }
    }
    return features;
  }
}
