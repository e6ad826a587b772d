package io.github.betavae.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress on stderr: an animated bar with samples/s and ETA on a terminal, or a compact
 * plain line every few steps when the stream goes to a file or pipe (where escape codes would be
 * garbage). Wall-clock numbers appear only here, never in files the run writes.
 */
public final class Progress implements TrainListener {
  private final PrintWriter err;
  private final boolean terminal;
  private final long lineEvery;
  private ProgressBar bar;
  private Plan plan;
  private long startNanos;

  /**
   * @param terminal draw an animated bar (true) or print plain lines (false)
   * @param lineEvery steps between plain lines; 0 chooses about 20 lines per run
   */
  public Progress(PrintWriter err, boolean terminal, long lineEvery) {
    this.err = err;
    this.terminal = terminal;
    this.lineEvery = lineEvery;
  }

  /**
   * Whether stderr is an interactive terminal. Java only tells whether stdin and stdout are (via
   * {@code System.console()}); on Linux the process's fd 2 is checked as well, so {@code 2> log}
   * gets plain lines.
   */
  public static boolean stderrIsTerminal() {
    if (System.console() == null) return false;
    String term = System.getenv("TERM");
    if (term == null || term.equals("dumb")) return false;
    Path fd2 = Path.of("/proc/self/fd/2");
    if (Files.exists(Path.of("/proc/self/fd"))) {
      try {
        String target = Files.readSymbolicLink(fd2).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      } catch (IOException | UnsupportedOperationException e) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void onStart(Plan p) {
    this.plan = p;
    this.startNanos = System.nanoTime();
    if (terminal) {
      bar = new ProgressBarBuilder()
          .setTaskName("train")
          .setInitialMax(p.totalSteps() * p.batch())
          .startsFrom(p.firstStep() * p.batch(), Duration.ZERO)
          .setUnit(" samples", 1)
          .showSpeed()
          .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
          .setUpdateIntervalMillis(250)
          .setConsumer(new DelegatingProgressBarConsumer(line -> {
            err.print('\r');
            err.print(line);
            err.flush();
          }))
          .build();
    }
  }

  private long every() {
    if (lineEvery > 0) return lineEvery;
    return Math.max(1, (plan.totalSteps() - plan.firstStep()) / 20);
  }

  @Override
  public void onStep(Step s) {
    if (bar != null) {
      bar.stepTo(s.step() * plan.batch());
      bar.setExtraMessage(String.format(Locale.ROOT, "  loss %.2f  kl %.2f", s.stats().loss(), s.stats().kl()));
      return;
    }
    if (s.step() % every() != 0 && s.step() != plan.totalSteps()) return;
    double secs = (System.nanoTime() - startNanos) / 1e9;
    long done = s.step() - plan.firstStep();
    double rate = secs > 0 ? done * plan.batch() / secs : 0;
    long etaS = rate > 0 ? Math.round((plan.totalSteps() - s.step()) * plan.batch() / rate) : 0;
    err.printf(Locale.ROOT, "step %d/%d (%.0f%%)  loss %.3f  recon %.3f  kl %.3f  %.0f samples/s  ETA %s%n",
        s.step(), plan.totalSteps(), 100.0 * s.step() / plan.totalSteps(), s.stats().loss(), s.stats().recon(),
        s.stats().kl(), rate, clock(etaS));
    err.flush();
  }

  static String clock(long s) {
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }

  @Override
  public void onEnd(long stepsDone) {
    if (bar != null) {
      bar.close();
      bar = null;
      err.println();
      err.flush();
    }
  }
}
