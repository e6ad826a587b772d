package io.github.betavae.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the threads that really worked while a piece of code ran, from the per-thread CPU ticks
 * in {@code /proc/self/task} (Linux). A thread setting that an engine silently ignores shows up
 * here, where wall-clock timings on a shared machine could not tell it apart from noise.
 */
final class ThreadCheck {
  private ThreadCheck() {}

  /** How long the check runs the work: ticks are 10 ms, so a few hundred ms tell threads apart. */
  static final long CHECK_NANOS = 400_000_000L;

  /**
   * Runs {@code work} once untimed (first calls load code and size buffers on one thread), then at
   * least once and for {@link #CHECK_NANOS}, and returns the number of threads whose CPU time
   * during the timed runs reached a quarter of the busiest thread's, or -1 where /proc is not
   * readable.
   */
  static int busyThreads(Runnable work) {
    work.run();
    Map<String, Long> before = ticks();
    if (before == null) return -1;
    long t0 = System.nanoTime();
    do {
      work.run();
    } while (System.nanoTime() - t0 < CHECK_NANOS);
    Map<String, Long> after = ticks();
    if (after == null) return -1;
    List<Long> deltas = new ArrayList<>();
    long max = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      deltas.add(d);
      max = Math.max(max, d);
    }
    if (max == 0) return 0;
    int busy = 0;
    for (long d : deltas) if (d * 4 >= max) busy++;
    return busy;
  }

  /**
   * One line for the fork's log: what was asked and what ran. It starts with a line break because
   * JMH has already printed the iteration header when trial setup runs.
   */
  static String report(String engine, int asked, Runnable work) {
    int busy = busyThreads(work);
    return "\n" + engine + ": asked for " + asked + " thread(s), " + (busy < 0 ? "busy threads unknown (no /proc)" : busy + " busy during the check");
  }

  private static Map<String, Long> ticks() {
    Map<String, Long> m = new HashMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path p : ds) {
        try {
          if (isJvmService(Files.readString(p.resolve("comm")).trim())) continue;
          String s = Files.readString(p.resolve("stat"));
          // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
          String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
          m.put(p.getFileName().toString(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
        } catch (IOException | RuntimeException gone) {
          // The thread ended between listing and reading: it did no work we care about.
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return m;
  }

  /**
   * The JVM's own threads (JIT compilers, garbage collector, VM operations) work hard in a fresh
   * fork and would be counted as the engine's; Linux names them, so they can be left out.
   */
  private static boolean isJvmService(String name) {
    return name.startsWith("C1 ") || name.startsWith("C2 ") || name.startsWith("GC ") || name.startsWith("G1 ")
        || name.startsWith("VM ") || name.startsWith("Sweeper") || name.startsWith("Common-Cleaner")
        || name.startsWith("Signal ") || name.startsWith("Service ") || name.startsWith("Monitor ");
  }
}
