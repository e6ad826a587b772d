package io.github.betavae.cli;

import io.github.betavae.backend.Likelihood;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.data.Dataset;
import io.github.betavae.data.Subset;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The {@code train} options for posterior-collapse diagnostics on a held-out split, and the split
 * itself. The split is drawn with the fixed seed {@value #SPLIT_SEED}, not the run's seed, so every run
 * on the same data and fraction holds out the same samples, which a sweep over seeds compares on;
 * {@code --subset} then draws from the remaining samples.
 */
final class DiagnosticOptions {
  /** Seed of the held-out split, the same for every run. */
  static final long SPLIT_SEED = 0;
  /** At most this many held-out samples are evaluated (mutual information costs O(n²)). */
  static final int MAX_HELD_OUT = 2000;
  static final List<String> FLAGS = List.of("--val-fraction", "--diag-every", "--collapse-threshold", "--mi-batch");

  @Option(names = "--val-fraction", paramLabel = "F", description = {"hold out this fraction of the data for diagnostics (0 = none, the",
      "training data then stays exactly as before); 0.01 holds out 7,373 dSprites images, of which "
          + MAX_HELD_OUT + " are evaluated"})
  double valFraction = 0;

  @Option(names = "--diag-every", paramLabel = "STEPS", description = {"evaluate the held-out set every STEPS steps and at the end into",
      "diagnostics.csv: per-dimension KL, active units, mutual information, ELBO (0 = only at the end)"})
  long diagEvery = 200;

  @Option(names = "--collapse-threshold", paramLabel = "UNITS", description = {"warn of posterior collapse when fewer latent dimensions than this",
      "are active (Var(μ_d) > 0.01 on the held-out set) or the total KL is below 0.1 nats"})
  int collapseThreshold = 1;

  @Option(names = "--mi-batch", paramLabel = "N", description = "estimate I(x; z) over mini-batches of N held-out "
      + "posteriors, as He et al. 2019 do (50 in their image experiments; at most about log N nats); 0 = over all held-out "
      + "samples (at most log n). Both lean towards their bound; diagnostics.csv names the one used")
  int miBatch = 0;

  /** Training data and the held-out samples to evaluate (null without a split). */
  record Split(Dataset train, Dataset heldOut) {}

  static void refuseWithResume(ParseResult parsed) {
    if (parsed.hasMatchedOption("--val-fraction")) {
      throw new IllegalArgumentException("--val-fraction cannot be given with --resume: the run's config.json fixes the split");
    }
  }

  /** The settings for config.json, checked. */
  RunConfig.Diagnostics settings() {
    if (!(valFraction >= 0 && valFraction < 1)) throw new IllegalArgumentException("--val-fraction must be in [0, 1) but was " + valFraction);
    if (diagEvery < 0) throw new IllegalArgumentException("--diag-every must be ≥ 0 but was " + diagEvery);
    if (collapseThreshold < 0) throw new IllegalArgumentException("--collapse-threshold must be ≥ 0 but was " + collapseThreshold);
    if (miBatch < 0) throw new IllegalArgumentException("--mi-batch must be ≥ 0 (0 = all held-out samples) but was " + miBatch);
    return new RunConfig.Diagnostics(valFraction, diagEvery, collapseThreshold, miBatch);
  }

  /**
   * Opens {@code spec}, holds out {@code round(valFraction·N)} samples (none for 0) and draws the
   * {@code --subset} from the rest with the run's seed.
   */
  static Split open(String spec, int subset, long seed, Likelihood likelihood, double valFraction, String flag) {
    if (valFraction == 0) return new Split(DataOption.open(spec, subset, seed, likelihood, flag), null);
    Dataset full = DataOption.open(spec, 0, seed, likelihood, flag);
    int held = (int) Math.round(valFraction * full.size());
    if (held < 2) {
      throw new IllegalArgumentException("--val-fraction " + valFraction + " holds out " + held + " of " + full.size()
          + " samples but diagnostics need at least 2");
    }
    Subset.Split s = Subset.split(full, held, SPLIT_SEED);
    Dataset train = s.train();
    if (subset > 0) {
      if (subset > train.size()) {
        throw new IllegalArgumentException("--subset: expected at most " + train.size() + " samples (after holding out "
            + held + ") but found " + subset);
      }
      train = Subset.random(train, subset, seed);
    }
    Dataset heldOut = held > MAX_HELD_OUT ? Subset.random(s.heldOut(), MAX_HELD_OUT, SPLIT_SEED) : s.heldOut();
    return new Split(train, heldOut);
  }
}
