package io.github.betavae.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes {@code metrics.csv}: a header {@code step,epoch,loss,recon,kl,beta,kl_0,…,kl_{Z-1}} and one
 * row per step (or every {@code every} steps, plus the last). Nothing time-dependent goes in, so
 * same-seed runs write identical files.
 */
public final class MetricsCsv implements TrainListener, AutoCloseable {
  private final Path file;
  private final int every;
  private BufferedWriter out;
  private long lastWritten = -1;
  private TrainListener.Step pending;

  /** Rows for every {@code every}-th step (≥ 1) and the final step. */
  public MetricsCsv(Path file, int every) {
    if (every < 1) throw new IllegalArgumentException("metrics interval must be ≥ 1 but was " + every);
    this.file = file;
    this.every = every;
  }

  /** The CSV header for {@code latent} dimensions. */
  public static String header(int latent) {
    StringBuilder sb = new StringBuilder("step,epoch,loss,recon,kl,beta");
    for (int d = 0; d < latent; d++) sb.append(",kl_").append(d);
    return sb.toString();
  }

  /** One row; numbers use a fixed locale-independent format. */
  public static String row(TrainListener.Step s) {
    StringBuilder sb = new StringBuilder();
    sb.append(s.step()).append(',').append(s.epoch()).append(',').append(num(s.stats().loss())).append(',')
        .append(num(s.stats().recon())).append(',').append(num(s.stats().kl())).append(',').append(num(s.beta()));
    for (double k : s.stats().klPerDim()) sb.append(',').append(num(k));
    return sb.toString();
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.7g", v);
  }

  @Override
  public void onStart(Plan plan) {
    try {
      // A fresh run starts the file. A resumed one keeps the rows up to its checkpoint and drops
      // any written after it (by a run that stopped before its next checkpoint), so the file ends
      // up as an uninterrupted run would have written it.
      if (plan.firstStep() > 0 && Files.exists(file)) {
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (keep.isEmpty() || stepOf(line) <= plan.firstStep()) keep.add(line);
        }
        // Rewritten beside the file and renamed over it, so a kill now cannot lose the kept rows.
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, keep, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      } else {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        out.write(header(plan.latent()));
        out.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Checks, before a resumed run writes anything, that {@code file} is a metrics.csv it can continue:
   * the header for {@code latent} dimensions and, up to {@code stepsDone}, complete rows of numbers
   * with increasing steps. Rows after the checkpoint are dropped on resume, so they are not checked
   * (a torn last row is normal after a kill). A missing file is fine: it is started afresh.
   *
   * @throws IllegalArgumentException naming the line and what was expected
   */
  public static void checkForResume(Path file, int latent, long stepsDone) throws IOException {
    checkCsv(file, header(latent), null, stepsDone);
  }

  /**
   * The check of {@link #checkForResume} for any of the project's step-indexed CSV files: the header
   * is {@code header} (or {@code alternative}, an older layout, when not null), and every row up to
   * {@code stepsDone} has as many cells, each a number or (in a column an older layout lacked) empty.
   */
  public static void checkCsv(Path file, String header, String alternative, long stepsDone) throws IOException {
    if (!Files.exists(file)) return;
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": expected a regular file but found something else");
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    String name = file.getFileName().toString();
    if (lines.isEmpty()) return;
    String head = lines.get(0);
    if (!head.equals(header) && !head.equals(alternative)) {
      throw new IllegalArgumentException(name + ": expected the header '" + abbreviate(header) + "' but found '"
          + abbreviate(head) + "'");
    }
    int cells = head.split(",", -1).length;
    long previous = 0;
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      long step = stepOf(line);
      if (step != Long.MAX_VALUE && step > stepsDone) continue; // after the checkpoint: dropped on resume
      if (step == Long.MAX_VALUE && i == lines.size() - 1) continue; // torn by a kill mid-write: dropped too
      String[] c = line.split(",", -1);
      boolean ok = c.length == cells && step != Long.MAX_VALUE && step > previous;
      for (int k = 1; ok && k < c.length; k++) ok = c[k].isEmpty() || isNumber(c[k]);
      if (!ok) {
        throw new IllegalArgumentException(name + " line " + (i + 1) + ": expected " + cells
            + " comma-separated numbers with a step after " + previous + " but found '" + abbreviate(line)
            + "'; the run's rows up to its checkpoint (step " + stepsDone + ") must be intact");
      }
      previous = step;
    }
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s);
      return !s.isBlank();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "…";
  }

  /** The step of a data row; a torn last line (a crash mid-write) counts as after any checkpoint. */
  private static long stepOf(String line) {
    int comma = line.indexOf(',');
    try {
      return comma < 0 ? Long.MAX_VALUE : Long.parseLong(line.substring(0, comma));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public void onStep(Step s) {
    pending = s;
    if (s.step() % every == 0) write(s);
  }

  private void write(Step s) {
    try {
      out.write(row(s));
      out.write('\n');
      lastWritten = s.step();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Hands the rows written so far to the operating system. Call it before saving a checkpoint: a
   * resumed run keeps the rows up to its checkpoint, so they must be in the file when it is killed.
   */
  public void flush() {
    if (out == null) return;
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  @Override
  public void onEnd(long stepsDone) {
    if (pending != null && pending.step() != lastWritten) write(pending);
    close();
  }

  @Override
  public void close() {
    if (out == null) return;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    } finally {
      out = null;
    }
  }
}
