package io.github.betavae.spark;

import io.github.betavae.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * {@code betavae sweep} on Apache Spark: the driver expands the grid ({@code sweep --plan}) into one
 * task per run; each task trains its run ({@code sweep --index K}, on the GPU Spark assigned it, or
 * the CPU) into the sweep directory; the driver then builds the table ({@code sweep --collect}). The
 * options are those of {@code sweep} (and any {@code train} option), without {@code --devices},
 * {@code --plan}, {@code --index} and {@code --collect}.
 *
 * <p>{@code --out} is a path every executor sees (local in {@code local[N]} mode, NFS on a cluster),
 * or a Hadoop file system URI ({@code hdfs://}, {@code s3a://}, {@code file://}, whatever the
 * cluster's Hadoop configuration knows): then a task trains in local scratch space, starting from the
 * run's files on the file system when an earlier attempt left any, and copies the run back when it
 * ends, successfully or not, so a retried task resumes from the last checkpoint it saved.
 *
 * <pre>
 * spark-submit --class io.github.betavae.spark.SparkSweep betavae-spark.jar --betas 0.5,1,4,16 --seeds 3 --out DIR [options]
 * </pre>
 */
public final class SparkSweep {
  private SparkSweep() {}

  /** One run of the grid, as the driver's {@code sweep --plan} lists it: its index and directory name. */
  record Run(int index, String name) implements java.io.Serializable {}

  /** Test-only fault hook: the first attempt of this run index stops itself after a few steps (system property). */
  static final String FAULT = "betavae.spark.faultIndex";
  /** How often the fault hook has fired in this JVM (tests read it). */
  static final java.util.concurrent.atomic.AtomicInteger FAULTS_FIRED = new java.util.concurrent.atomic.AtomicInteger();
  private static final Pattern URI = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  private static final List<String> SET_BY_JOB = List.of("--devices", "--plan", "--index", "--collect");

  public static void main(String[] args) {
    SparkConf conf = new SparkConf().setAppName("betavae sweep");
    int rc;
    try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
      rc = run(jsc, List.of(args), new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }
    System.exit(rc);
  }

  /**
   * Runs the sweep on {@code jsc}; returns the exit status (0 all runs trained and tabulated, 1 a run
   * failed after Spark's retries, 2 bad options, as {@code betavae sweep}).
   */
  public static int run(JavaSparkContext jsc, List<String> args, PrintWriter out, PrintWriter err) {
    for (String a : args) {
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (SET_BY_JOB.contains(name)) {
        err.println("betavae spark sweep: " + name + " is the job's own; give the sweep's other options");
        return Main.USAGE;
      }
    }
    String outSpec = value(args, "--out");
    if (outSpec == null) {
      err.println("betavae spark sweep: missing --out DIR (a shared path or a Hadoop file system URI)");
      return Main.USAGE;
    }
    boolean hadoop = URI.matcher(outSpec).matches();
    Path scratch;
    try {
      scratch = Files.createTempDirectory("betavae-spark-driver");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      // The grid, checked by the sweep itself (bad options end here, before any task).
      String planOut = hadoop ? scratch.resolve("sweep").toString() : outSpec;
      StringWriter plan = new StringWriter();
      int rc = Main.execute(new PrintWriter(plan), err, with(args, "--out", planOut, "--plan"));
      if (rc != 0) return rc;
      // "index β seed dir": the task gets its run's index and directory name from here
      List<Run> runs = new ArrayList<>();
      for (String line : plan.toString().split("\\R")) {
        String[] f = line.split(" ", 4);
        if (f.length == 4) runs.add(new Run(Integer.parseInt(f[0]), Path.of(f[3]).getFileName().toString()));
      }
      if (hadoop) {
        try {
          FileSystem fs = fs(outSpec, jsc.hadoopConfiguration());
          org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(outSpec);
          fs.mkdirs(root);
        } catch (IOException e) {
          err.println("betavae spark sweep: --out " + outSpec + ": cannot create it: " + e.getMessage());
          return Main.USAGE;
        }
      } else {
        Path p = Path.of(outSpec).toAbsolutePath();
        if (p.getParent() != null && !Files.isDirectory(p.getParent())) {
          err.println("betavae spark sweep: --out " + outSpec + ": expected its parent directory to exist (a path every "
              + "executor sees) but found none");
          return Main.USAGE;
        }
      }
      Map<String, String> hconf = hadoop ? hadoopSettings(jsc.hadoopConfiguration()) : Map.of();
      List<String> taskArgs = List.copyOf(args);
      String fault = System.getProperty(FAULT);
      List<Integer> codes = jsc.parallelize(runs, Math.max(1, runs.size()))
          .map(r -> task(taskArgs, outSpec, hadoop, hconf, r, fault))
          .collect();
      for (int i = 0; i < codes.size(); i++) {
        if (codes.get(i) != 0) {
          err.println("betavae spark sweep: run " + runs.get(i).index() + " ended with exit code " + codes.get(i));
          return 1;
        }
      }
      // The table, built by the sweep from the finished runs.
      if (!hadoop) return Main.execute(out, err, with(args, "--out", outSpec, "--collect"));
      Path local = scratch.resolve("collect");
      FileSystem fs = fs(outSpec, jsc.hadoopConfiguration());
      fs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(outSpec), new org.apache.hadoop.fs.Path(local.toUri()), true);
      rc = Main.execute(out, err, with(args, "--out", local.toString(), "--collect"));
      if (rc != 0) return rc;
      try (Stream<Path> files = Files.list(local)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          String n = f.getFileName().toString();
          if (Files.isRegularFile(f) && (n.startsWith("sweep.") || n.endsWith(".png"))) {
            fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(f.toUri()),
                new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(outSpec), n));
          }
        }
      }
      out.println("copied the table and figures to " + outSpec);
      return 0;
    } catch (IOException e) {
      err.println("betavae spark sweep: " + e.getMessage());
      return 1;
    } finally {
      delete(scratch);
    }
  }

  /**
   * One run, on an executor: trains run {@code k} (or resumes it) and returns the sweep's exit code;
   * a failure throws, so that Spark retries the task (spark.task.maxFailures).
   */
  static int task(List<String> args, String outSpec, boolean hadoop, Map<String, String> hconf, Run run, String fault)
      throws IOException {
    int k = run.index();
    String runName = run.name();
    TaskContext tc = TaskContext.get();
    List<String> a = new ArrayList<>(args);
    String device = gpu(tc);
    if (device != null) a.addAll(List.of("--device", device));  // later options win over the sweep's own
    Path scratch = Files.createTempDirectory("betavae-spark-task");
    org.apache.hadoop.fs.Path remote = null;
    FileSystem fs = null;
    try {
      String sweepDir = outSpec;
      if (hadoop) {
        fs = fs(outSpec, configuration(hconf));
        sweepDir = scratch.resolve("sweep").toString();
        remote = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(outSpec), runName);
        Files.createDirectories(Path.of(sweepDir));
        // An earlier attempt's checkpoint (or a finished run) continues from where it was left.
        if (fs.exists(remote)) fs.copyToLocalFile(false, remote, new org.apache.hadoop.fs.Path(Path.of(sweepDir).toUri()), true);
      }
      Thread hook = tc != null && tc.attemptNumber() == 0 && String.valueOf(k).equals(fault)
          ? faultAfterSteps(Path.of(sweepDir).resolve(runName), 5) : null;
      PrintWriter quiet = new PrintWriter(java.io.Writer.nullWriter());
      StringWriter log = new StringWriter();
      int rc = Main.execute(quiet, new PrintWriter(log, true), with(a, "--out", sweepDir, "--index", Integer.toString(k)));
      if (hook != null) hook.interrupt();
      if (rc != 0) {
        throw new IllegalStateException("run " + k + " (" + runName + ") ended with exit code " + rc
            + (tc != null ? " on attempt " + tc.attemptNumber() : "") + ": " + log.toString().strip());
      }
      return rc;
    } finally {
      try {
        if (hadoop && Files.isDirectory(scratch.resolve("sweep").resolve(runName))) {
          // Up to the shared file system, finished or not: a retry elsewhere resumes from its checkpoint.
          Path localRun = scratch.resolve("sweep").resolve(runName);
          if (fs.exists(remote)) fs.delete(remote, true);
          fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(localRun.toUri()), remote);
          org.apache.hadoop.fs.Path manifest = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(outSpec), "sweep.json");
          Path localManifest = scratch.resolve("sweep").resolve("sweep.json");
          if (!fs.exists(manifest) && Files.isRegularFile(localManifest)) {
            fs.copyFromLocalFile(false, false, new org.apache.hadoop.fs.Path(localManifest.toUri()), manifest);
          }
        }
      } finally {
        delete(scratch);
      }
    }
  }

  /** The GPU Spark's resource scheduling gave this task ("cuda:N"), or null (no GPU resource: the sweep's --device). */
  static String gpu(TaskContext tc) {
    if (tc == null) return null;
    ResourceInformation r = tc.resourcesJMap().get("gpu");
    if (r == null || r.addresses().length == 0) return null;
    return "cuda:" + r.addresses()[0].trim();
  }

  /** The fault hook: once the run has logged {@code steps} steps, asks this process's training to stop (as SIGTERM). */
  private static Thread faultAfterSteps(Path runDir, int steps) {
    Thread t = new Thread(() -> {
      Path metrics = runDir.resolve("metrics.csv");
      try {
        while (true) {
          if (Files.isRegularFile(metrics)) {
            long rows;
            try (Stream<String> lines = Files.lines(metrics)) {
              rows = lines.count() - 1;
            } catch (IOException | UncheckedIOException e) {
              rows = 0;
            }
            if (rows >= steps) {
              FAULTS_FIRED.incrementAndGet();
              Main.requestStop("SIGTERM");
              return;
            }
          }
          Thread.sleep(5);
        }
      } catch (InterruptedException e) {
        // the run ended first
      }
    }, "betavae-spark-fault");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** {@code args} with {@code flag value} replaced (or added) and {@code extra} appended. */
  static String[] with(List<String> args, String flag, String value, String... extra) {
    List<String> a = new ArrayList<>();
    a.add("sweep");
    for (int i = 0; i < args.size(); i++) {
      String s = args.get(i);
      if (s.equals(flag)) {
        i++;  // and its value
        continue;
      }
      if (s.startsWith(flag + "=")) continue;
      a.add(s);
    }
    a.addAll(List.of(flag, value));
    a.addAll(List.of(extra));
    return a.toArray(new String[0]);
  }

  static String value(List<String> args, String flag) {
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals(flag) && i + 1 < args.size()) return args.get(i + 1);
      if (args.get(i).startsWith(flag + "=")) return args.get(i).substring(flag.length() + 1);
    }
    return null;
  }

  private static FileSystem fs(String uri, Configuration conf) throws IOException {
    return new org.apache.hadoop.fs.Path(uri).getFileSystem(conf);
  }

  /** The driver's Hadoop settings, to rebuild its Configuration on an executor (Configuration is not serializable). */
  private static Map<String, String> hadoopSettings(Configuration conf) {
    Map<String, String> m = new java.util.HashMap<>();
    for (Map.Entry<String, String> e : conf) m.put(e.getKey(), e.getValue());
    return m;
  }

  private static Configuration configuration(Map<String, String> settings) {
    Configuration c = new Configuration(false);
    settings.forEach(c::set);
    return c;
  }

  private static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // scratch space: leave what cannot go
        }
      });
    } catch (IOException e) {
      // as above
    }
  }
}
