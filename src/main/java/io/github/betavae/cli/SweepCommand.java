package io.github.betavae.cli;

import io.github.betavae.viz.FontRenderer;
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
import java.util.Map;
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
        "Run again with the same options, a sweep continues: finished runs are kept,",
        "stopped ones resume. --plan, --index K and --collect run it one task at a time.",
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

  @Option(names = "--plan", description = "print the grid, one line per run (index, β, seed, directory), and stop")
  boolean plan;

  @Option(names = "--index", paramLabel = "K", description = "train only run K of --plan's list (0-based) into the sweep "
      + "directory: one run per task of a job array (Slurm, Kubernetes indexed Jobs); no table")
  Integer index;

  @Option(names = "--collect", description = "train nothing: build the table and figures from the finished runs in --out")
  boolean collect;

  @Option(names = "--devices", paramLabel = "LIST", description = {"train the grid's runs side by side on this machine:",
      "cpu (as many at once as there are cores, threads split between them), cuda:0,1,… (one run per GPU at a time),",
      "or all (every GPU that answers, else cpu); runs are the same bytes as one after another. Without it, one",
      "run at a time on the train options' --device"})
  String devices;

  @Unmatched List<String> trainArgs = new ArrayList<>();

  /** The sweep's own record in its directory: the grid and train options it was started with. */
  static final String MANIFEST = "sweep.json";

  /** One run of the grid: its place in --plan's list, β, seed and directory. */
  record Planned(int index, double beta, int seed, Path dir) {}

  private List<Planned> grid() {
    List<Planned> g = new ArrayList<>();
    for (double beta : betas) {
      for (int s = 0; s < seeds; s++) g.add(new Planned(g.size(), beta, s, out.resolve("beta-" + label(beta) + "-seed-" + s)));
    }
    return g;
  }

  /**
   * Train options that change where and how a run trains, never its bytes: they do not identify a
   * sweep, so a sweep continues on another device, with other threads, or as Spark tasks.
   */
  static final List<String> NEUTRAL = List.of("--device", "--threads", "--gemm", "--quiet", "--verbose", "--profile",
      "--graph", "--resident", "--checkpoint-every-minutes", "--plain-progress");

  /** {@code args} without the {@link #NEUTRAL} options (and their values). */
  static List<String> identifying(List<String> args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (NEUTRAL.contains(name)) {
        boolean flag = name.equals("--quiet") || name.equals("--verbose") || name.equals("--profile")
            || name.equals("--plain-progress");
        if (!a.contains("=") && !flag) i++;  // its value
        continue;
      }
      out.add(a);
    }
    return out;
  }

  /** What identifies this sweep: the same command, run again, continues it. */
  private String manifest() {
    return manifest(identifying(trainArgs));
  }

  private String manifest(List<String> args) {
    com.fasterxml.jackson.databind.node.ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode b = o.putArray("betas");
    for (double beta : betas) b.add(label(beta));
    o.put("seeds", seeds);
    o.put("val_fraction", valFraction);
    o.put("score_samples", scoreSamples);
    com.fasterxml.jackson.databind.node.ArrayNode t = o.putArray("train_args");
    for (String a : args) t.add(a);
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("sweep manifest", e);
    }
  }

  /**
   * A new or empty --out, or one this very sweep started (its sweep.json is this command's): then
   * finished runs are kept, unfinished ones resumed. Anything else is refused before any work.
   */
  private void checkOut(boolean writing) throws IOException {
    Path m = out.resolve(MANIFEST);
    if (java.nio.file.Files.isRegularFile(m)) {
      requireSameSweep(m);
      return;
    }
    if (collect) throw new IllegalArgumentException("--collect: no sweep in " + out + " (expected its " + MANIFEST + ")");
    if (!writing) return;
    if (!java.nio.file.Files.isDirectory(out)) {
      // Not there yet: a sibling task may create and fill it from now on, which is no reason to stop.
      if (java.nio.file.Files.exists(out) && !java.nio.file.Files.isDirectory(out)) {
        throw new IllegalArgumentException("--out " + out + " exists and is not a directory");
      }
      return;
    }
    // Tasks of one job array start together on a new directory: what a sibling task may already have
    // put there (its run directory, the manifest being written) does not make it someone else's.
    java.util.Set<String> ours = new java.util.HashSet<>();
    for (Planned r : grid()) ours.add(r.dir().getFileName().toString());
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(out)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.equals(MANIFEST)) {
          requireSameSweep(p); // a sibling task's manifest, moved into place since the check above
          continue;
        }
        if (!ours.contains(n) && !n.startsWith("." + MANIFEST + ".")) {
          throw new IllegalArgumentException("--out " + out + " already exists and holds " + n + ", which is not part of "
              + "this sweep; choose a new directory");
        }
      }
    }
  }

  /** Refuses an --out whose stored sweep.json {@code m} is another sweep's. */
  private void requireSameSweep(Path m) throws IOException {
    io.github.betavae.checkpoint.AtomicFiles.requireRegular(m);
    if (!sameSweep(java.nio.file.Files.readString(m))) {
      throw new IllegalArgumentException("--out " + out + " holds another sweep (its " + MANIFEST + " names another grid or "
          + "other train options); run the same command to continue it, or choose a new directory");
    }
  }

  /** Whether a stored sweep.json is this sweep's (earlier files may list neutral options: they are set aside). */
  private boolean sameSweep(String stored) {
    if (stored.equals(manifest())) return true;
    try {
      com.fasterxml.jackson.databind.JsonNode o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stored);
      com.fasterxml.jackson.databind.JsonNode t = o.get("train_args");
      if (t == null || !t.isArray()) return false;
      List<String> args = new ArrayList<>();
      for (com.fasterxml.jackson.databind.JsonNode a : t) args.add(a.asText());
      if (!(o instanceof com.fasterxml.jackson.databind.node.ObjectNode on)) return false;
      com.fasterxml.jackson.databind.node.ArrayNode fresh = on.putArray("train_args");
      for (String a : identifying(args)) fresh.add(a);
      return (new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(on) + "\n")
          .equals(manifest());
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether the run in {@code dir} has a checkpoint at the end of its own budget. */
  private static boolean finished(Path dir) throws IOException {
    if (!java.nio.file.Files.isRegularFile(dir.resolve(Checkpoint.CONFIG))) return false;
    RunConfig rc = RunConfig.read(dir.resolve(Checkpoint.CONFIG));
    RunConfig.Training t = rc.training();
    long perEpoch = rc.data().size() / t.batch();
    long total = t.steps() > 0 ? t.steps() : (long) t.epochs() * perEpoch;
    return t.stepsDone() >= total;
  }

  /** Trains one run: afresh, or resumed when an earlier attempt saved a checkpoint; 0 when done. */
  private int train(Planned r, PrintWriter err) throws IOException {
    return train(r, err, null);
  }

  /** {@link #train(Planned, PrintWriter)} on {@code slot} (null: as the train options say), quietly for a slot. */
  private int train(Planned r, PrintWriter err, Slot slot) throws IOException {
    boolean done;
    try {
      done = finished(r.dir());
    } catch (IOException | RuntimeException e) {
      done = false;  // unreadable: train --resume below says what is wrong with it, in one line, exit 2
    }
    if (done) return 0;
    List<String> args = new ArrayList<>(List.of("train"));
    if (java.nio.file.Files.isRegularFile(r.dir().resolve(Checkpoint.CONFIG))) {
      args.addAll(List.of("--resume", r.dir().toString()));
      for (String flag : List.of("--quiet", "--device", "--gemm", "--threads", "--checkpoint-every", "--checkpoint-every-minutes",
          "--skip-nonfinite", "--profile", "--plain-progress", "--graph", "--resident")) {
        carry(flag, args);
      }
    } else {
      args.addAll(trainArgs);
      args.addAll(List.of("--beta", Double.toString(r.beta()), "--seed", Integer.toString(r.seed()),
          "--val-fraction", Double.toString(valFraction), "--force", "--out", r.dir().toString()));
    }
    if (slot != null) {
      // later options win: the slot's device (and threads) over the train options'; plain progress lines
      args.addAll(List.of("--device", slot.device(), "--plain-progress"));
      if (slot.threads() > 0) args.addAll(List.of("--threads", Integer.toString(slot.threads())));
    }
    return Main.execute(slot != null ? new PrintWriter(java.io.Writer.nullWriter()) : spec.commandLine().getOut(), err,
        args.toArray(new String[0]));
  }

  /**
   * What a run trained side by side writes to stderr: whole lines, each prefixed with the run's name,
   * so the progress lines of several runs interleave readably.
   */
  static PrintWriter prefixed(PrintWriter err, String prefix) {
    return new PrintWriter(new java.io.Writer() {
      private final StringBuilder line = new StringBuilder();

      @Override
      public void write(char[] c, int off, int len) {
        synchronized (line) {
          for (int i = off; i < off + len; i++) {
            char ch = c[i];
            if (ch == '\n') {
              synchronized (err) {
                err.println(prefix + line);
                err.flush();
              }
              line.setLength(0);
            } else if (ch != '\r') {
              line.append(ch);
            }
          }
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {
        synchronized (line) {
          if (line.length() > 0) write(new char[] {'\n'}, 0, 1);
        }
      }
    }, true);
  }

  /** Where one run of a parallel sweep trains: a device, and CPU threads (0: the train default). */
  record Slot(String device, int threads) {}

  /**
   * The slots of {@code --devices} for {@code runs} runs: cpu → min(runs, cores) slots with the cores
   * split between them; cuda:0,1,… → one slot per GPU; all → every GPU that answers, else cpu.
   */
  static List<Slot> slots(String spec, int runs, int cores, int gpus) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    List<Slot> out = new ArrayList<>();
    if (s.equals("all")) s = gpus > 0 ? "cuda:" + java.util.stream.IntStream.range(0, gpus).mapToObj(Integer::toString)
        .collect(java.util.stream.Collectors.joining(",")) : "cpu";
    if (s.equals("cpu")) {
      int k = Math.max(1, Math.min(runs, cores));
      for (int i = 0; i < k; i++) out.add(new Slot("cpu", Math.max(1, cores / k)));
      return out;
    }
    if (s.startsWith("cuda:")) {
      java.util.Set<Integer> seen = new java.util.LinkedHashSet<>();
      for (String n : s.substring(5).split(",")) {
        int g;
        try {
          g = Integer.parseInt(n.trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--devices: expected cpu, all or cuda:N,M,… with GPU numbers but found '" + spec + "'");
        }
        if (g < 0) throw new IllegalArgumentException("--devices: GPU numbers are ≥ 0 but found " + g);
        if (!seen.add(g)) throw new IllegalArgumentException("--devices: GPU " + g + " is listed twice");
        out.add(new Slot("cuda:" + g, 0));
      }
      return out;
    }
    throw new IllegalArgumentException("--devices: expected cpu, all or cuda:N,M,… but found '" + spec + "'");
  }

  /**
   * Trains the runs of {@code grid} that are not finished, side by side on {@code slots} (a run
   * leases a slot and gives it back when it ends). A failed run does not stop the others; a stop
   * signal lets the runs under way checkpoint and starts no more. Returns each run's exit code.
   */
  private int[] trainParallel(List<Planned> grid, List<Slot> slots, PrintWriter err, TrainCommand shared) throws IOException {
    int[] rc = new int[grid.size()];
    java.util.concurrent.BlockingQueue<Slot> free = new java.util.concurrent.LinkedBlockingQueue<>(slots);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(slots.size(), r -> {
      Thread t = new Thread(r, "betavae-sweep");
      t.setDaemon(true);
      return t;
    });
    java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
    try (StopSignals signals = StopSignals.install(sig -> stopping.set(true))) {
      for (Planned r : grid) {
        futures.add(pool.submit(() -> {
          try {
            if (finished(r.dir())) return;  // rc 0
          } catch (IOException | RuntimeException e) {
            // a run directory that cannot be read is that run's failure (train --resume says why), not the sweep's
          }
          Slot slot;
          try {
            slot = free.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rc[r.index()] = 1;
            return;
          }
          try {
            if (stopping.get()) {
              rc[r.index()] = 143;
              return;
            }
            synchronized (err) {
              err.printf(Locale.ROOT, "sweep: run %d/%d, β %s, seed %d on %s%s → %s%n", r.index() + 1, grid.size(),
                  label(r.beta()), r.seed(), slot.device(), slot.threads() > 0 ? " (" + slot.threads() + (slot.threads() == 1 ? " thread)" : " threads)") : "", r.dir());
              err.flush();
            }
            int code = train(r, shared.quiet ? err : prefixed(err, "[" + r.dir().getFileName() + "] "), slot);
            rc[r.index()] = code;
            synchronized (err) {
              err.printf(Locale.ROOT, "sweep: run %d/%d %s%n", r.index() + 1, grid.size(),
                  code == 0 ? "finished" : "ended with exit code " + code);
              err.flush();
            }
          } catch (IOException | RuntimeException e) {
            rc[r.index()] = 1;
            synchronized (err) {
              err.println("sweep: run " + (r.index() + 1) + " failed: " + e.getMessage());
            }
          } finally {
            free.add(slot);
          }
        }));
      }
      for (java.util.concurrent.Future<?> f : futures) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("sweep interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("sweep worker failed", e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return rc;
  }

  /** Copies {@code flag} (and its value, when it has one) from the train options into {@code args}. */
  private void carry(String flag, List<String> args) {
    for (int i = 0; i < trainArgs.size(); i++) {
      String a = trainArgs.get(i);
      if (a.equals(flag)) {
        args.add(a);
        boolean valued = !flag.equals("--quiet") && !flag.equals("--skip-nonfinite") && !flag.equals("--profile")
            && !flag.equals("--plain-progress");
        if (valued && i + 1 < trainArgs.size()) args.add(trainArgs.get(i + 1));
      } else if (a.startsWith(flag + "=")) {
        args.add(a);
      }
    }
  }

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
    int modes = (plan ? 1 : 0) + (index != null ? 1 : 0) + (collect ? 1 : 0);
    if (modes > 1) throw new IllegalArgumentException("give at most one of --plan, --index and --collect");
    List<Planned> grid = grid();
    if (index != null && (index < 0 || index >= grid.size())) {
      throw new IllegalArgumentException("--index: expected 0 to " + (grid.size() - 1) + " (the grid has " + grid.size()
          + " runs, see --plan) but found " + index);
    }
    if (devices != null) {
      // checked before anything is written
      slots(devices, 1, 1, 0);
      for (String a : trainArgs) {
        String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
        if (name.equals("--device") || name.equals("--threads")) {
          throw new IllegalArgumentException(name + " cannot be given with --devices, which sets it for each run");
        }
      }
      if (index != null || plan) throw new IllegalArgumentException("--devices trains the whole grid: give it without --plan and --index");
    }
    if (plan) {
      for (Planned r : grid) {
        spec.commandLine().getOut().printf(Locale.ROOT, "%d %s %d %s%n", r.index(), label(r.beta()), r.seed(), r.dir());
      }
      return 0;
    }
    checkOut(!collect);
    PrintWriter err = spec.commandLine().getErr();
    if (!collect) {
      java.nio.file.Files.createDirectories(out);
      if (!java.nio.file.Files.isRegularFile(out.resolve(MANIFEST))) {
        io.github.betavae.checkpoint.AtomicFiles.write(out.resolve(MANIFEST), manifest().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    if (index != null) {
      Planned r = grid.get(index);
      if (!shared.quiet) err.printf(Locale.ROOT, "sweep: run %d of %d, β %s, seed %d → %s%n", r.index(), grid.size(), label(r.beta()), r.seed(), r.dir());
      return train(r, err);
    }
    GroundTruth truth = preset == null ? null : groundTruthOrNull(shared.data, err);

    int[] parallel = null;  // exit code per run, when --devices trained them side by side
    if (devices != null && !collect) {
      List<Slot> slots = slots(devices, grid.size(), Runtime.getRuntime().availableProcessors(),
          devices.trim().equalsIgnoreCase("all") ? io.github.betavae.backend.cuda.JCudaDevice.gpus() : 0);
      parallel = trainParallel(grid, slots, err, shared);
      for (int code : parallel) {
        if (code == 130 || code == 143) {
          err.println("sweep: stopped; the runs under way saved their checkpoints; run the same command to continue");
          return code;
        }
      }
    }

    List<SweepTable.Row> rows = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (Planned r : grid) {
      if (parallel != null) {
        if (parallel[r.index()] != 0) {
          failed.add(r.dir().getFileName() + " (exit code " + parallel[r.index()] + ")");
          continue;
        }
      } else if (collect) {
        if (!finished(r.dir())) {
          err.println("sweep: " + r.dir() + " is not finished; left out of the table");
          continue;
        }
      } else {
        boolean done = finished(r.dir());
        if (!shared.quiet) {
          err.printf(Locale.ROOT, "sweep: run %d/%d, β %s, seed %d → %s%s%n", r.index() + 1, grid.size(), label(r.beta()), r.seed(),
              r.dir(), done ? " (finished earlier)" : "");
        }
        int rc = train(r, err);
        if (rc != 0) return rc; // train has said why, in one line
      }
      rows.add(evaluate(r.dir(), r.beta(), r.seed(), shared, preset, truth));
      // Written after every run, so an interrupted sweep keeps what it has measured.
      SweepTable.write(out, rows, preset == null || truth == null ? "none" : preset.id(), failed);
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(parallel != null ? "sweep: every run failed: " + String.join(", ", failed)
          : "--collect: no finished run in " + out);
    }
    SweepTable.write(out, rows, preset == null || truth == null ? "none" : preset.id(), failed);
    List<Plots.RdPoint> points = new ArrayList<>();
    for (SweepTable.Row r : rows) {
      points.add(new Plots.RdPoint("β " + label(r.beta()) + (seeds > 1 ? " s" + r.seed() : ""), r.diag().kl(), r.diag().recon()));
    }
    List<Plots.AggPoint> agg = new ArrayList<>();
    for (SweepTable.Row r : rows) agg.add(new Plots.AggPoint(r.beta(), r.seed(), r.diag().aggKl(), r.diag().aggMmd()));
    // the tables are written: a system without font libraries costs the charts only
    Map<String, FontRenderer.Drawing> charts = new java.util.LinkedHashMap<>();
    charts.put(RATE_DISTORTION, () -> Plots.rateDistortion(points, out.resolve(RATE_DISTORTION)));
    charts.put(AGGREGATE_POSTERIOR, () -> Plots.aggregatePosterior(agg, out.resolve(AGGREGATE_POSTERIOR)));
    List<String> skipped = new ArrayList<>();
    String notDrawn = FontRenderer.drawEach(charts, skipped);
    if (notDrawn != null) spec.commandLine().getErr().println("sweep: " + notDrawn);
    List<String> wrote = new ArrayList<>(List.of(out.resolve(SweepTable.CSV).toString(), out.resolve(SweepTable.MD).toString()));
    for (String f : charts.keySet()) if (!skipped.contains(f)) wrote.add(out.resolve(f).toString());
    spec.commandLine().getOut().println("wrote " + String.join(", ", wrote.subList(0, wrote.size() - 1)) + " and " + wrote.get(wrote.size() - 1)
        + ": " + rows.size() + " runs" + (failed.isEmpty() ? "" : "; " + failed.size() + " failed: " + String.join(", ", failed)));
    return failed.isEmpty() ? 0 : 1;
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
