package io.github.betavae.metrics;

/**
 * The three disentanglement scores on one ground truth, from one seed: the β-VAE metric (Higgins et al.
 * 2017), the FactorVAE metric (Kim &amp; Mnih 2018) and MIG (Chen et al. 2018). Each metric reads its own
 * sub-stream of Philox {@code STREAM_METRICS}, so a score depends only on (encoder, ground truth, its
 * settings, seed).
 */
public final class Disentanglement {
  private Disentanglement() {}

  /** The most observations the metrics hand the encoder at once: a larger encoder batch only pads. */
  public static final int MAX_PASS = Representations.CHUNK;

  /**
   * Sample counts and settings of the three metrics; {@link #DEFAULT} is disentanglement_lib's.
   */
  public record Counts(BetaVaeMetric.Settings betaVae, FactorVaeMetric.Settings factorVae, Mig.Settings mig) {
    /** disentanglement_lib's counts for all three metrics. */
    public static final Counts DEFAULT =
        new Counts(BetaVaeMetric.Settings.DEFAULT, FactorVaeMetric.Settings.DEFAULT, Mig.Settings.DEFAULT);

    public Counts {
      if (betaVae == null || factorVae == null || mig == null) {
        throw new IllegalArgumentException("disentanglement counts: expected settings for all three metrics");
      }
    }

    /**
     * The same counts for both classifier metrics: {@code batchSize} observations per point, {@code
     * numTrain} and {@code numEval} points, {@code numVariance} points for FactorVAE's global variances
     * (prune threshold 0.05), and {@code migPoints} points for MIG (20 bins).
     */
    public static Counts of(int batchSize, int numTrain, int numEval, int numVariance, int migPoints) {
      return new Counts(new BetaVaeMetric.Settings(batchSize, numTrain, numEval),
          new FactorVaeMetric.Settings(batchSize, numTrain, numEval, numVariance,
              FactorVaeMetric.Settings.DEFAULT.pruneThreshold()),
          new Mig.Settings(migPoints, Mig.Settings.DEFAULT.bins()));
    }
  }

  /**
   * @param betaVaeMetric β-VAE metric eval accuracy, in [0, 1]
   * @param factorVaeMetric FactorVAE metric eval accuracy, in [0, 1]
   * @param mig mutual information gap, in [0, 1]
   * @param betaVaeDetail the β-VAE metric's full result
   * @param factorVaeDetail the FactorVAE metric's full result
   * @param migDetail MIG's full result
   * @param counts the counts used
   * @param seed the seed used
   */
  public record Scores(double betaVaeMetric, double factorVaeMetric, double mig, BetaVaeMetric.Result betaVaeDetail,
                       FactorVaeMetric.Result factorVaeDetail, Mig.Result migDetail, Counts counts, long seed) {}

  /** All three scores for {@code encoder} on {@code truth}. */
  public static Scores score(Encoder encoder, GroundTruth truth, Counts counts, long seed) {
    BetaVaeMetric.Result b = BetaVaeMetric.compute(encoder, truth, counts.betaVae(), seed);
    FactorVaeMetric.Result f = FactorVaeMetric.compute(encoder, truth, counts.factorVae(), seed);
    Mig.Result m = Mig.compute(encoder, truth, counts.mig(), seed);
    return new Scores(b.evalAccuracy(), f.evalAccuracy(), m.mig(), b, f, m, counts, seed);
  }
}
