package io.github.betavae.cli;

import io.github.betavae.checkpoint.AtomicFiles;
import io.github.betavae.metrics.Diagnostics;
import io.github.betavae.metrics.Disentanglement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code sweep.csv} and {@code sweep.md}: one row per run of a sweep, numbers in a fixed format. */
final class SweepTable {
  static final String CSV = "sweep.csv", MD = "sweep.md";
  static final List<String> COLUMNS = List.of("beta", "seed", "run", "n", "recon", "kl", "elbo", "active_units",
      "latent", "mutual_info", "mi_batch", "agg_kl", "agg_mmd", "beta_vae_metric", "factor_vae_metric", "mig",
      "prior_sample_entropy");

  /**
   * One run's measurements.
   *
   * @param scores the disentanglement scores, or null where they were not computed
   */
  record Row(double beta, int seed, String run, Diagnostics.Result diag, double priorEntropy, Disentanglement.Scores scores) {
    List<String> cells() {
      return List.of(SweepCommand.label(beta), Integer.toString(seed), run, Integer.toString(diag.n()), num(diag.recon()),
          num(diag.kl()), num(diag.elbo()), Integer.toString(diag.activeUnits()), Integer.toString(diag.latent()),
          num(diag.mutualInfo()), Integer.toString(diag.miBatch()), num(diag.aggKl()), num(diag.aggMmd()), scores == null ? "" : num(scores.betaVaeMetric()),
          scores == null ? "" : num(scores.factorVaeMetric()), scores == null ? "" : num(scores.mig()), num(priorEntropy));
    }
  }

  private SweepTable() {}

  static String num(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  static String csv(List<Row> rows) {
    StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
    for (Row r : rows) sb.append(String.join(",", r.cells())).append('\n');
    return sb.toString();
  }

  static String markdown(List<Row> rows, String scorePreset) {
    StringBuilder sb = new StringBuilder("# β sweep\n\n");
    if (!rows.isEmpty()) {
      sb.append(String.format(Locale.ROOT, "Evaluated on %d held-out samples (the same for every run). recon, kl and elbo are "
          + "nats per sample; active units count Var(μ_d) > 0.01; mutual_info is I(x; z) in nats by He et al.'s estimator "
          + "over mini-batches of mi_batch posteriors (mi_batch = n: all of them; at most log n = %.2f, or about log mi_batch); "
          + "agg_kl (nats) and agg_mmd compare the aggregate posterior q(z) with the prior N(0, I): KL of q(z)'s "
          + "moment-matched Gaussian and the RBF-kernel MMD² between posterior and prior samples, 0 when they match; "
          + "disentanglement metrics (%s sample counts) are in [0, 1], higher is better; prior_sample_entropy is the mean "
          + "per-pixel binary entropy of 1,000 decoded prior draws in bits, lower is crisper.%n%n",
          rows.get(0).diag().n(), Math.log(rows.get(0).diag().n()), scorePreset));
    }
    sb.append("| ").append(String.join(" | ", COLUMNS)).append(" |\n|");
    for (int i = 0; i < COLUMNS.size(); i++) sb.append(i < 3 ? "---|" : "---:|");
    sb.append('\n');
    for (Row r : rows) sb.append("| ").append(String.join(" | ", r.cells())).append(" |\n");
    return sb.toString();
  }

  /** Writes both files into {@code dir} atomically. */
  static void write(Path dir, List<Row> rows, String scorePreset) throws IOException {
    write(dir, rows, scorePreset, List.of());
  }

  /** Both files; sweep.md ends with the runs that failed (directory and exit code), when there are any. */
  static void write(Path dir, List<Row> rows, String scorePreset, List<String> failed) throws IOException {
    AtomicFiles.write(dir.resolve(CSV), csv(rows).getBytes(StandardCharsets.UTF_8));
    String md = markdown(rows, scorePreset);
    if (!failed.isEmpty()) md += "\nFailed runs (not in the table; run the same sweep again to retry them): "
        + String.join(", ", failed) + ".\n";
    AtomicFiles.write(dir.resolve(MD), md.getBytes(StandardCharsets.UTF_8));
  }
}
