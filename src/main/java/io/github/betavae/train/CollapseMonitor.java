package io.github.betavae.train;

import io.github.betavae.data.Dataset;
import io.github.betavae.metrics.Diagnostics;
import io.github.betavae.model.BetaVae;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Watches a training run for posterior collapse. Every {@code every} steps and at the last step it
 * evaluates {@link Diagnostics} on the held-out set and appends a row to {@code diagnostics.csv}
 * ({@code step,n,elbo,recon,kl,active_units,mutual_info,mi_batch,agg_kl,agg_mmd,kl_0..,mu_var_0..};
 * nothing time-dependent, so same-seed runs write identical files). Without a held-out set it looks at the training batch's KL.
 *
 * <p>It warns (one line on {@code warnings}, when given) where fewer than {@code threshold} latent
 * dimensions are active or the total KL is below {@value #KL_FLOOR} nats; {@link #collapse()} keeps the
 * last verdict for the run's summary.
 */
public final class CollapseMonitor implements TrainListener {
  /** Total KL (nats per sample) below which the code carries next to no information. */
  public static final double KL_FLOOR = 0.1;

  private final BetaVae model;
  private final Dataset heldOut;
  private final Path csv;
  private final long seed;
  private final int batch;
  private final long every;
  private final int threshold;
  private final PrintWriter warnings;
  private long totalSteps;
  private Diagnostics.Result last;
  private String collapse;
  private final int miBatch;

  /**
   * @param heldOut the held-out set, or null to watch the training batch's KL only (no CSV is written)
   * @param every steps between checks (0: only at the last step)
   * @param threshold warn when fewer dimensions than this are active
   * @param miBatch posteriors per mini-batch of the I(x; z) estimate, 0 for all held-out samples
   * @param warnings where warnings go, or null for none
   */
  public CollapseMonitor(BetaVae model, Dataset heldOut, Path csv, long seed, int batch, long every, int threshold,
                         int miBatch, PrintWriter warnings) {
    if (every < 0) throw new IllegalArgumentException("diagnostics interval must be ≥ 0 but was " + every);
    if (miBatch < 0) throw new IllegalArgumentException("mutual-information batch must be ≥ 0 but was " + miBatch);
    this.miBatch = miBatch;
    this.model = model;
    this.heldOut = heldOut;
    this.csv = csv;
    this.seed = seed;
    this.batch = batch;
    this.every = every;
    this.threshold = threshold;
    this.warnings = warnings;
  }

  /**
   * The CSV header for {@code latent} dimensions. {@code mi_batch} names the I(x; z) estimator of the
   * row: the mini-batch size of the batched one, or n for the all-N one.
   */
  public static String header(int latent) {
    StringBuilder sb = new StringBuilder("step,n,elbo,recon,kl,active_units,mutual_info,mi_batch,agg_kl,agg_mmd");
    for (int d = 0; d < latent; d++) sb.append(",kl_").append(d);
    for (int d = 0; d < latent; d++) sb.append(",mu_var_").append(d);
    return sb.toString();
  }

  @Override
  public void onStart(Plan plan) {
    totalSteps = plan.totalSteps();
    if (heldOut == null) return;
    try {
      List<String> keep = new ArrayList<>();
      // A resumed run keeps the rows up to its checkpoint, as MetricsCsv does with metrics.csv.
      if (plan.firstStep() > 0 && Files.exists(csv)) {
        for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
          if (keep.isEmpty() || stepOf(line, keep.get(0)) <= plan.firstStep()) keep.add(line);
        }
        if (!keep.isEmpty() && keep.get(0).equals(olderHeader(plan.latent()))) {
          keep = upgrade(keep, plan.latent());
        }
      }
      if (keep.isEmpty()) keep.add(header(plan.latent()));
      Files.write(csv, keep, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + csv, e);
    }
  }

  /**
   * Checks, before a resumed run writes anything, that diagnostics.csv (today's layout or the one
   * before the aggregate columns) holds intact rows up to {@code stepsDone}.
   */
  public static void checkForResume(Path file, int latent, long stepsDone) throws IOException {
    MetricsCsv.checkCsv(file, header(latent), olderHeader(latent), stepsDone);
  }

  private static final String OLD_HEADER_START = "step,n,elbo,recon,kl,active_units,mutual_info";
  private static final String NEW_HEADER_START = OLD_HEADER_START + ",mi_batch,agg_kl,agg_mmd";

  /** The header files had before the mi_batch, agg_kl and agg_mmd columns. */
  private static String olderHeader(int latent) {
    return OLD_HEADER_START + header(latent).substring(NEW_HEADER_START.length());
  }

  /**
   * Rows written before the aggregate-posterior columns existed, in today's layout: their I(x; z) was
   * the all-N estimate (mi_batch = n) and they have no agg_kl or agg_mmd.
   */
  private static List<String> upgrade(List<String> rows, int latent) {
    List<String> out = new ArrayList<>();
    out.add(header(latent));
    for (String row : rows.subList(1, rows.size())) {
      String[] c = row.split(",", -1);
      if (c.length < 7) continue;
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < c.length; i++) {
        sb.append(i > 0 ? "," : "").append(c[i]);
        if (i == 6) sb.append(',').append(c[1]).append(",,");
      }
      out.add(sb.toString());
    }
    return out;
  }

  /** The step of a complete data row; a torn row (a crash mid-write) counts as after any checkpoint. */
  private static long stepOf(String line, String header) {
    if (line.split(",", -1).length != header.split(",", -1).length) return Long.MAX_VALUE;
    try {
      return Long.parseLong(line.substring(0, line.indexOf(',')));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public boolean readsModelAt(long step) {
    return step == totalSteps || (every > 0 && step % every == 0);
  }

  @Override
  public void onStep(Step s) {
    boolean due = s.step() == totalSteps || (every > 0 && s.step() % every == 0);
    if (!due) return;
    int latent = s.stats().klPerDim().length;
    String verdict;
    if (heldOut == null) {
      double kl = s.stats().kl();
      verdict = kl < KL_FLOOR ? String.format(Locale.ROOT,
          "posterior collapse: training-batch KL %.3g nats at step %d (below %s nats)", kl, s.step(), KL_FLOOR) : null;
    } else {
      last = Diagnostics.compute(model, heldOut, seed, batch, miBatch);
      append(s.step(), last);
      verdict = last.activeUnits() < threshold || last.kl() < KL_FLOOR ? String.format(Locale.ROOT,
          "posterior collapse: %d/%d latent dimensions active at step %d (KL %.3g nats, MI %.3g nats)",
          last.activeUnits(), latent, s.step(), last.kl(), last.mutualInfo()) : null;
    }
    collapse = verdict;
    if (verdict != null && warnings != null) {
      warnings.println(verdict);
      warnings.flush();
    }
  }

  private void append(long step, Diagnostics.Result r) {
    StringBuilder sb = new StringBuilder().append(step).append(',').append(r.n()).append(',').append(num(r.elbo()))
        .append(',').append(num(r.recon())).append(',').append(num(r.kl())).append(',').append(r.activeUnits())
        .append(',').append(num(r.mutualInfo())).append(',').append(r.miBatch()).append(',').append(num(r.aggKl()))
        .append(',').append(num(r.aggMmd()));
    for (double k : r.klPerDim()) sb.append(',').append(num(k));
    for (double v : r.muVariance()) sb.append(',').append(num(v));
    try {
      Files.writeString(csv, sb.append('\n'), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + csv, e);
    }
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.7g", v);
  }

  /** The last held-out diagnostics, or null when there is no held-out set or no check has run. */
  public Diagnostics.Result last() {
    return last;
  }

  /** The collapse warning of the last check, or null when the last check found none. */
  public String collapse() {
    return collapse;
  }
}
