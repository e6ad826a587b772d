package io.github.betavae.metrics;

/**
 * The FactorVAE disentanglement metric (Kim &amp; Mnih 2018), as disentanglement_lib defines it
 * ({@code factor_vae_score}).
 *
 * <ol>
 *   <li>Global scale: encode {@code numVariance} observations with all factors drawn uniformly and take
 *       each code dimension's unbiased variance (ddof 1).</li>
 *   <li>Pruning: a dimension is active when its global standard deviation is at least {@code
 *       pruneThreshold} (disentanglement_lib compares √variance ≥ 0.05, i.e. variance ≥ 0.0025); a
 *       dimension with zero global variance is never active. With no active dimension the score is 0.</li>
 *   <li>One point: pick a factor k uniformly; draw {@code batchSize} factor vectors and set factor k of
 *       all of them to the first one's value; encode; the point votes for (k, d*) where d* is the active
 *       dimension with the smallest local variance (ddof 1) divided by its global variance, ties to
 *       the lower dimension.</li>
 *   <li>Classifier: each dimension predicts the factor with the most training votes for it (ties to the
 *       lower factor, including dimensions with no votes, which predict factor 0).</li>
 *   <li>Score: the fraction of {@code numEval} fresh points whose dimension predicts their factor.</li>
 * </ol>
 *
 * <p>Randomness: {@link RandomStream} sub-stream {@link RandomStream#FACTOR_VAE}; the variance sample
 * first, then per point the factor index and the batch rows.
 */
public final class FactorVaeMetric {
  private FactorVaeMetric() {}

  /**
   * @param batchSize observations per point (disentanglement_lib: 64)
   * @param numTrain voting points (10,000)
   * @param numEval scored points (5,000)
   * @param numVariance observations for the global variances (10,000)
   * @param pruneThreshold minimum global standard deviation of an active dimension (0.05)
   */
  public record Settings(int batchSize, int numTrain, int numEval, int numVariance, double pruneThreshold) {
    /** disentanglement_lib's settings: batch 64, 10,000 train, 5,000 eval, 10,000 for variances, 0.05. */
    public static final Settings DEFAULT = new Settings(64, 10_000, 5_000, 10_000, 0.05);

    public Settings {
      if (batchSize < 2 || numTrain < 1 || numEval < 1 || numVariance < 2) {
        throw new IllegalArgumentException("FactorVAE metric: expected batch size ≥ 2, train and eval points ≥ 1 and "
            + "variance points ≥ 2 but found " + batchSize + ", " + numTrain + ", " + numEval + ", " + numVariance);
      }
      if (!(pruneThreshold >= 0) || Double.isInfinite(pruneThreshold)) {
        throw new IllegalArgumentException("FactorVAE metric: expected a finite prune threshold ≥ 0 but found "
            + pruneThreshold);
      }
    }
  }

  /**
   * @param evalAccuracy the score: majority-vote accuracy on the eval points, in [0, 1]
   * @param trainAccuracy the same on the training votes
   * @param activeDims code dimensions that passed pruning: the true count (disentanglement_lib's
   *     {@code num_active_dims} is the length of its boolean mask, Z whatever was pruned)
   * @param trainVotes what the classifier was built from: one row (argmin dimension, factor) per
   *     training point, (numTrain, 2) row-major; empty when no dimension is active
   * @param evalVotes the same for the scored points
   */
  public record Result(double evalAccuracy, double trainAccuracy, int activeDims, int[] trainVotes, int[] evalVotes) {}

  /** Computes the metric for {@code encoder} on {@code truth} from {@code seed}. */
  public static Result compute(Encoder encoder, GroundTruth truth, Settings s, long seed) {
    RandomStream rng = new RandomStream(seed, RandomStream.FACTOR_VAE);
    Representations reps = new Representations(truth, encoder);
    int nf = truth.numFactors();
    int[] classes = new int[s.numVariance() * nf];
    int[] row = new int[nf];
    for (int i = 0; i < s.numVariance(); i++) {
      truth.sampleFactors(rng, row);
      System.arraycopy(row, 0, classes, i * nf, nf);
    }
    double[] codes = reps.encode(classes, s.numVariance());
    int z = reps.latent();
    double[] global = variances(codes, 0, s.numVariance(), z);
    boolean[] active = new boolean[z];
    int activeCount = 0;
    for (int d = 0; d < z; d++) {
      active[d] = global[d] > 0 && Math.sqrt(global[d]) >= s.pruneThreshold();
      if (active[d]) activeCount++;
    }
    if (activeCount == 0) return new Result(0, 0, 0, new int[0], new int[0]);

    int[] train = votes(reps, truth, rng, s.batchSize(), s.numTrain(), global, active);
    int[] eval = votes(reps, truth, rng, s.batchSize(), s.numEval(), global, active);
    double[] acc = fromVotes(train, eval, z, nf);
    return new Result(acc[0], acc[1], activeCount, train, eval);
  }

  /**
   * The majority-vote classifier of steps 4 and 5 from vote rows (dimension, factor), dimensions in
   * [0, z) and factors in [0, numFactors): returns {eval accuracy, train accuracy}. What {@code
   * compute} runs after voting, and what re-scores a dump.
   */
  public static double[] fromVotes(int[] trainVotes, int[] evalVotes, int z, int numFactors) {
    long[][] train = tally(trainVotes, z, numFactors), eval = tally(evalVotes, z, numFactors);
    int[] classifier = new int[z];
    for (int d = 0; d < z; d++) {
      for (int f = 1; f < numFactors; f++) if (train[f][d] > train[classifier[d]][d]) classifier[d] = f;
    }
    return new double[] {accuracy(eval, classifier), accuracy(train, classifier)};
  }

  private static long[][] tally(int[] rows, int z, int nf) {
    if (rows.length % 2 != 0) {
      throw new IllegalArgumentException("FactorVAE metric: expected vote rows of (dimension, factor) but found "
          + rows.length + " values");
    }
    long[][] votes = new long[nf][z];
    for (int i = 0; i < rows.length; i += 2) {
      int d = rows[i], f = rows[i + 1];
      if (d < 0 || d >= z || f < 0 || f >= nf) {
        throw new IllegalArgumentException("FactorVAE metric: expected a vote (dimension in [0, " + z + "), factor in [0, "
            + nf + ")) but found (" + d + ", " + f + ") at row " + i / 2);
      }
      votes[f][d]++;
    }
    return votes;
  }

  /** One row (argmin dimension, factor) per point, {@code count} points. */
  private static int[] votes(Representations reps, GroundTruth truth, RandomStream rng, int batch, int count,
                             double[] global, boolean[] active) {
    int nf = truth.numFactors(), z = global.length;
    int[] rows = new int[2 * count];
    int group = Math.max(1, Representations.CHUNK / batch);
    int[] row = new int[nf];
    for (int start = 0; start < count; start += group) {
      int g = Math.min(group, count - start);
      int[] classes = new int[g * batch * nf];
      int[] fixed = new int[g];
      for (int p = 0; p < g; p++) {
        int k = rng.nextInt(nf);
        fixed[p] = k;
        int base = p * batch * nf;
        for (int b = 0; b < batch; b++) {
          truth.sampleFactors(rng, row);
          System.arraycopy(row, 0, classes, base + b * nf, nf);
        }
        for (int b = 1; b < batch; b++) classes[base + b * nf + k] = classes[base + k];
      }
      double[] codes = reps.encode(classes, g * batch);
      for (int p = 0; p < g; p++) {
        double[] local = variances(codes, p * batch, batch, z);
        int best = -1;
        double bestRatio = Double.POSITIVE_INFINITY;
        for (int d = 0; d < z; d++) {
          if (!active[d]) continue;
          double ratio = local[d] / global[d];
          if (best < 0 || ratio < bestRatio) {
            best = d;
            bestRatio = ratio;
          }
        }
        rows[2 * (start + p)] = best;
        rows[2 * (start + p) + 1] = fixed[p];
      }
    }
    return rows;
  }

  /** Per-dimension unbiased variance of {@code n} codes starting at code {@code first}, two-pass. */
  static double[] variances(double[] codes, int first, int n, int z) {
    double[] mean = new double[z], var = new double[z];
    for (int i = 0; i < n; i++) for (int d = 0; d < z; d++) mean[d] += codes[(first + i) * z + d];
    for (int d = 0; d < z; d++) mean[d] /= n;
    for (int i = 0; i < n; i++) {
      for (int d = 0; d < z; d++) {
        double dv = codes[(first + i) * z + d] - mean[d];
        var[d] += dv * dv;
      }
    }
    for (int d = 0; d < z; d++) var[d] /= (n - 1);
    return var;
  }

  private static double accuracy(long[][] votes, int[] classifier) {
    long right = 0, total = 0;
    for (int f = 0; f < votes.length; f++) {
      for (int d = 0; d < classifier.length; d++) {
        total += votes[f][d];
        if (classifier[d] == f) right += votes[f][d];
      }
    }
    return total == 0 ? 0 : (double) right / total;
  }
}
