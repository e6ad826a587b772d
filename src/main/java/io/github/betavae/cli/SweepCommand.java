package io.github.betavae.cli;

import io.github.betavae.viz.Plots;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Backends;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.data.Dataset;
import io.github.betavae.metrics.Diagnostics;
import io.github.betavae.metrics.Disentanglement;
import io.github.betavae.metrics.GroundTruth;
import io.github.betavae.metrics.PriorSampleEntropy;
import io.github.betavae.model.BetaVae;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code betavae sweep}: the β trade-off, measured. Trains one run per (β, seed) through {@code train}
 * itself, under {@code DIR/beta-<β>-seed-<s>/}, then evaluates every run on the same held-out samples
 * and writes {@code DIR/sweep.csv} and {@code DIR/sweep.md} (one row per run, see {@link SweepTable}),
 * {@value #RATE_DISTORTION} and {@value #AGGREGATE_POSTERIOR}.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = {"Trains one run per (β, seed) and tabulates the β trade-off on a fixed",
        "held-out set: recon, KL, active units, mutual information, how far the",
        "aggregate posterior q(z) is from the prior (agg_kl, agg_mmd), the three",
        "disentanglement metrics and the prior-sample entropy (mean per-pixel binary",
        "entropy of decoded prior draws, in bits: lower is crisper). Figures:",
        "rate_distortion.png, aggregate_posterior.png (agg_kl and agg_mmd against β).",
        "--mi-batch N (a train option) switches to He et al.'s batched I(x; z).",
        "Any other option is passed to each 'train' run (see 'train --help'); --beta, --seed, --out,",
        "--resume and --force are set by the sweep."})
public final class SweepCommand implements Callable<Integer> {
  /** The rate–distortion figure: held-out KL (rate) against recon (distortion), one point per run. */
  static final String RATE_DISTORTION = "rate_distortion.png";
  /** agg_kl and agg_mmd against β, one line per seed. */
  static final String AGGREGATE_POSTERIOR = "aggregate_posterior.png";

  /** Prior draws behind the sample-entropy column. */
  static final int PRIOR_SAMPLES = 1000;
  /** The seed of every evaluation (ε of the ELBO, metric sampling, prior draws), so runs are compared alike. */
  static final long EVAL_SEED = 0;
  private static final List<String> SET_BY_SWEEP = List.of("--beta", "--seed", "--out", "--resume", "--force");

  @Spec CommandSpec spec;

  @Option(names = "--betas", required = true, split = ",", paramLabel = "β", description = "β values, comma-separated")
  List<Double> betas;

  @Option(names = "--seeds", paramLabel = "N", description = "runs per β, with seeds 0 … N−1")
  int seeds = 1;

  @Option(names = "--val-fraction", paramLabel = "F", description = {"fraction held out of every run (the same samples for all, drawn",
      "with a fixed seed); up to 2,000 of them are evaluated"})
  double valFraction = 0.01;

  @Option(names = "--score-samples", paramLabel = "PRESET", description = {"small, default (disentanglement_lib's counts) or none; data",
      "without a full factor grid gets none"})
  String scoreSamples = "small";

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "sweep directory to create")
  Path out;

  @Unmatched List<String> trainArgs = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    if (betas.isEmpty()) throw new IllegalArgumentException("--betas: expected at least one β");
    for (double b : betas) {
      if (!(b >= 0) || Double.isInfinite(b)) throw new IllegalArgumentException("--betas: expected finite values ≥ 0 but found " + b);
    }
    java.util.Map<String, Double> seen = new java.util.HashMap<>();
    for (double b : betas) {
      Double before = seen.putIfAbsent(label(b), b);
      if (before != null) {
        throw new IllegalArgumentException("--betas: β = " + label(before) + " is given twice, which would train the same"
            + " run twice; give each β once");
      }
    }
    if (seeds < 1) throw new IllegalArgumentException("--seeds must be ≥ 1 but was " + seeds);
    if (!(valFraction > 0 && valFraction < 1)) {
      throw new IllegalArgumentException("--val-fraction must be in (0, 1) for a sweep (it evaluates on the held-out set) but was " + valFraction);
    }
    ScorePreset preset = scoreSamples.equalsIgnoreCase("none") ? null : ScorePreset.parse(scoreSamples, "--score-samples");
    TrainCommand shared = parseTrainOptions();
    TrainCommand.checkOutIsFree(out, false);
    PrintWriter err = spec.commandLine().getErr();
    GroundTruth truth = preset == null ? null : groundTruthOrNull(shared.data, err);

    List<SweepTable.Row> rows = new ArrayList<>();
    int total = betas.size() * seeds, k = 0;
    for (double beta : betas) {
      for (int s = 0; s < seeds; s++) {
        Path dir = out.resolve("beta-" + label(beta) + "-seed-" + s);
        if (!shared.quiet) err.printf(Locale.ROOT, "sweep: run %d/%d, β %s, seed %d → %s%n", ++k, total, label(beta), s, dir);
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(trainArgs);
        args.addAll(List.of("--beta", Double.toString(beta), "--seed", Integer.toString(s),
            "--val-fraction", Double.toString(valFraction), "--out", dir.toString()));
        int rc = Main.execute(spec.commandLine().getOut(), err, args.toArray(new String[0]));
        if (rc != 0) return rc; // train has said why, in one line
        rows.add(evaluate(dir, beta, s, shared, preset, truth));
        // Written after every run, so an interrupted sweep keeps what it has measured.
        SweepTable.write(out, rows, preset == null || truth == null ? "none" : preset.id());
      }
    }
    List<Plots.RdPoint> points = new ArrayList<>();
    for (SweepTable.Row r : rows) {
      points.add(new Plots.RdPoint("β " + label(r.beta()) + (seeds > 1 ? " s" + r.seed() : ""), r.diag().kl(), r.diag().recon()));
    }
    Plots.rateDistortion(points, out.resolve(RATE_DISTORTION));
    List<Plots.AggPoint> agg = new ArrayList<>();
    for (SweepTable.Row r : rows) agg.add(new Plots.AggPoint(r.beta(), r.seed(), r.diag().aggKl(), r.diag().aggMmd()));
    Plots.aggregatePosterior(agg, out.resolve(AGGREGATE_POSTERIOR));
    spec.commandLine().getOut().println("wrote " + out.resolve(SweepTable.CSV) + ", " + out.resolve(SweepTable.MD)
        + ", " + out.resolve(RATE_DISTORTION) + " and " + out.resolve(AGGREGATE_POSTERIOR) + ": " + rows.size() + " runs");
    return 0;
  }

  /** The train options shared by every run, parsed (and so checked) before anything is trained. */
  private TrainCommand parseTrainOptions() {
    for (String a : trainArgs) {
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (SET_BY_SWEEP.contains(name)) {
        throw new IllegalArgumentException(name + " is set by the sweep for each run; use --betas, --seeds and --out");
      }
    }
    TrainCommand t = new TrainCommand();
    try {
      new CommandLine(t).setOverwrittenOptionsAllowed(true).parseArgs(trainArgs.toArray(new String[0]));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException("train option: " + e.getMessage());
    }
    return t;
  }

  private static GroundTruth groundTruthOrNull(String data, PrintWriter err) {
    try {
      return ScoreCommand.groundTruth(data);
    } catch (IllegalArgumentException e) {
      err.println("sweep: no disentanglement scores: " + e.getMessage());
      return null;
    }
  }

  /** Every measurement of one finished run, on the held-out set its config.json defines. */
  private static SweepTable.Row evaluate(Path dir, double beta, int seed, TrainCommand shared, ScorePreset preset,
                                         GroundTruth truth) throws IOException {
    RunConfig rc = RunConfig.read(dir.resolve(Checkpoint.CONFIG));
    Dataset heldOut = DiagnosticOptions.open(rc.data().spec(), rc.data().subset(), rc.training().seed(),
        io.github.betavae.backend.Likelihood.parse(rc.model().likelihood()), rc.diagnostics().valFraction(), "--data").heldOut();
    int batch = rc.training().batch();
    try (Backend be = shared.devices.open().backend(); BetaVae model = Checkpoint.load(dir, be).model()) {
      Diagnostics.Result d = Diagnostics.compute(model, heldOut, EVAL_SEED, batch, rc.diagnostics().miBatch());
      double entropy = PriorSampleEntropy.bits(model, PRIOR_SAMPLES, EVAL_SEED, batch);
      Disentanglement.Scores s = preset == null || truth == null ? null
          : ScoreCommand.score(model, truth, preset, EVAL_SEED, 256);
      return new SweepTable.Row(beta, seed, dir.getFileName().toString(), d, entropy, s);
    }
  }

  /** β as written in directory names and tables: 4 not 4.0, 0.5 as is. */
  static String label(double beta) {
    return BigDecimal.valueOf(beta).stripTrailingZeros().toPlainString();
  }
}
