package io.github.betavae.cli;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Backends;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunLock;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.data.Dataset;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import io.github.betavae.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code betavae train}: trains a β-VAE and writes a run directory (checkpoint, config.json,
 * metrics.csv, samples.png, reconstructions.png). Every value is checked before anything is
 * written, and an existing non-empty {@code --out} is never overwritten without {@code --force}.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
    description = {"Trains a β-VAE. The default network is Higgins et al.'s dSprites model:",
        "4096 → 1200-1200 ReLU → 10 → 1200-1200-1200 tanh → 4096, Bernoulli, β = 4."})
public final class TrainCommand implements Callable<Integer> {
  private static final VaeConfig HIGGINS = VaeConfig.higgins();
  /** Budget when neither --steps nor --epochs is given. */
  static final long DEFAULT_STEPS = 1000;

  @Spec CommandSpec spec;

  @Option(names = "--data", paramLabel = "dsprites|FILE", description = {"dsprites (built in, 737,280 images) or a data file of N samples:",
      ".npy, .npz, MNIST IDX or CSV, plain or gzip, recognised by content"})
  String data = "dsprites";

  @Option(names = "--subset", paramLabel = "N", description = "train on a seeded random subset of N samples (0 = all)")
  int subset = 0;

  @Option(names = "--beta", description = "KL weight β ≥ 0 (β = 1 is the plain VAE)")
  double beta = HIGGINS.beta();

  @Mixin RemedyOptions remedies;

  @Mixin DiagnosticOptions diagnostics;

  @Mixin DeviceOptions devices;

  @Option(names = "--latent", description = "latent dimensions Z")
  int latent = HIGGINS.latent();

  @Option(names = "--arch", paramLabel = "ARCH", description = {"mlp (default: the dense network of --encoder/--decoder), "
      + "conv (disentanglement_lib's conv encoder / deconv decoder) or burgess (Burgess et al. 2018) for C×64×64 images; "
      + "the convolutional ones fix every layer (ReLU)"})
  String arch = "mlp";

  @Option(names = "--encoder", paramLabel = "H,H", description = "encoder hidden widths, comma-separated, or none")
  String encoder = join(HIGGINS.encoder());

  @Option(names = "--decoder", paramLabel = "H,H,H", description = "decoder hidden widths, comma-separated, or none")
  String decoder = join(HIGGINS.decoder());

  @Option(names = "--encoder-activation", paramLabel = "ACT", description = "relu, tanh, sigmoid or identity")
  String encoderActivation = HIGGINS.encoderActivation().id();

  @Option(names = "--decoder-activation", paramLabel = "ACT", description = "relu, tanh, sigmoid or identity")
  String decoderActivation = HIGGINS.decoderActivation().id();

  @Option(names = "--likelihood", paramLabel = "KIND", description = {"bernoulli: Σ softplus(l) − x·l in nats (binary data);",
      "gaussian: Σ (x − x̂)², unit-free squared error"})
  String likelihood = HIGGINS.likelihood().id();

  @Option(names = "--steps", description = "optimizer steps to train (default " + DEFAULT_STEPS + " when --epochs is not given)")
  Long steps;

  @Option(names = "--epochs", description = "passes over the data, ⌊N/batch⌋ steps each (last partial batch dropped)")
  Integer epochs;

  @Option(names = "--batch", description = "samples per step")
  int batch = 64;

  @Option(names = "--lr", description = "Adam learning rate (Higgins et al. use 1e-4)")
  double lr = 1e-4;

  @Option(names = "--seed", description = "seeds initialization, ε, shuffling and --subset")
  long seed = 0;

  @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "also checkpoint every STEPS steps (0 = only at the end)")
  long checkpointEvery = 0;

  @Option(names = "--out", paramLabel = "DIR", description = "run directory to create")
  Path out;

  @Option(names = "--resume", paramLabel = "DIR", description = "continue the run in DIR to --steps/--epochs total (default: its budget)")
  Path resume;

  @Option(names = "--force", description = "allow writing into a non-empty --out")
  boolean force;

  @Option(names = "--skip-nonfinite", description = {"skip a batch whose loss or gradient is NaN or ±∞ (no update) and count it,",
      "instead of stopping with exit code 3"})
  boolean skipNonFinite;

  @Option(names = "--checkpoint-every-minutes", paramLabel = "M", description = "also checkpoint when M minutes have "
      + "passed since the last save, so a kill -9 or a lost machine costs at most that much (0 = off); SIGTERM and "
      + "Ctrl-C always save at the next step boundary")
  double checkpointEveryMinutes = 10;

  @Option(names = "--profile", description = "write profile.json: kernel launches, host<->device bytes and "
      + "synchronisations per step, counted in the device layer (the CUDA engines; zeros on the CPU)")
  boolean profile;

  @Option(names = "--graph", paramLabel = "MODE", description = {"auto|on|off: capture the training step once as a CUDA "
      + "graph and replay it (auto: on the CUDA engines when the data is resident on the device and the objective has "
      + "a device form; the CPU engine has no graphs). Replays equal eager steps bit for bit."})
  String graph = "auto";

  @Option(names = "--resident", paramLabel = "MODE", description = {"auto|on|off: where the CUDA engines keep the "
      + "training data. on: uploaded once (1 bit per binary value, 1 byte per grey level, else 4 bytes; it must fit in "
      + "half the free device memory) and every batch gathered on the device; off: each batch streamed from the host "
      + "through pinned buffers, its copy beside the kernels of the step before; auto: on when it fits, else off. "
      + "No effect on the CPU engine. Same batches, same bytes either way."})
  String resident = "auto";

  @Option(names = "--precision", paramLabel = "P", description = {"fp32|tf32: the arithmetic of the dense and conv products "
      + "(default fp32). tf32 rounds their operands to TF32 (10 mantissa bits) and accumulates in FP32, on tensor "
      + "cores on a GPU and in the same way on the CPU engine; recorded in config.json, kept by --resume"})
  String precision = "fp32";

  @Option(names = "--plain-progress", description = "progress as a plain line about every 5%% of the run, even on a terminal")
  boolean plainProgress;

  @Option(names = "--quiet", description = "no progress output")
  boolean quiet;

  @Option(names = "--verbose", description = "print stack traces on errors")
  boolean verbose;

  /** Options fixed by a run's config.json, refused together with --resume. */
  private static final List<String> FIXED_BY_RUN = List.of("--arch", "--subset", "--beta", "--latent", "--encoder",
      "--decoder", "--encoder-activation", "--decoder-activation", "--likelihood", "--batch", "--lr", "--seed", "--out", "--force",
      "--precision");

  @Override
  public Integer call() throws IOException {
    validateCommon();
    TrainRun run = resume != null ? prepareResume() : prepareFresh();
    try {
      return run.execute();
    } finally {
      run.releaseLock();
    }
  }

  private void validateCommon() {
    if (steps != null && epochs != null) throw new IllegalArgumentException("give --steps or --epochs, not both");
    if (steps != null && steps < 1) throw new IllegalArgumentException("--steps must be ≥ 1 but was " + steps);
    if (epochs != null && epochs < 1) throw new IllegalArgumentException("--epochs must be ≥ 1 but was " + epochs);
    devices.check();
    graphMode();
    residentMode();
    precisionMode();
    if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be ≥ 0 but was " + checkpointEvery);
    if (!(checkpointEveryMinutes >= 0) || Double.isInfinite(checkpointEveryMinutes)) {
      throw new IllegalArgumentException("--checkpoint-every-minutes must be a finite number ≥ 0 but was " + checkpointEveryMinutes);
    }
  }

  /** --precision as a mode; a bad value is a usage error. */
  io.github.betavae.backend.Precision precisionMode() {
    try {
      return io.github.betavae.backend.Precision.parse(precision);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--precision must be fp32 or tf32 but was '" + precision + "'");
    }
  }

  /** --resident as a mode: "auto", "on" or "off"; a bad value is a usage error. */
  String residentMode() {
    if (!List.of("auto", "on", "off").contains(resident == null ? "" : resident)) {
      throw new IllegalArgumentException("--resident must be auto, on or off but was '" + resident + "'");
    }
    if (resident.equals("off") && graphMode() == io.github.betavae.train.Trainer.GraphMode.ON) {
      throw new IllegalArgumentException("--graph on needs the data resident on the device; it cannot be used with --resident off");
    }
    return resident;
  }

  /** --graph as the trainer's mode; a bad value is a usage error. */
  io.github.betavae.train.Trainer.GraphMode graphMode() {
    return switch (graph == null ? "" : graph) {
      case "auto" -> io.github.betavae.train.Trainer.GraphMode.AUTO;
      case "on" -> io.github.betavae.train.Trainer.GraphMode.ON;
      case "off" -> io.github.betavae.train.Trainer.GraphMode.OFF;
      default -> throw new IllegalArgumentException("--graph must be auto, on or off but was '" + graph + "'");
    };
  }

  private TrainRun prepareFresh() throws IOException {
    if (!(beta >= 0) || Double.isInfinite(beta)) throw new IllegalArgumentException("--beta must be a finite number ≥ 0 but was " + beta);
    if (latent < 1) throw new IllegalArgumentException("--latent must be ≥ 1 but was " + latent);
    if (batch < 1) throw new IllegalArgumentException("--batch must be ≥ 1 but was " + batch);
    if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("--lr must be a finite number > 0 but was " + lr);
    if (subset < 0) throw new IllegalArgumentException("--subset must be ≥ 0 but was " + subset);
    io.github.betavae.model.Arch architecture = parse(() -> io.github.betavae.model.Arch.parse(arch), "--arch");
    if (architecture.convolutional()) {
      for (String flag : List.of("--encoder", "--decoder", "--encoder-activation", "--decoder-activation")) {
        if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
          throw new IllegalArgumentException(flag + " applies to --arch mlp; --arch " + architecture.id() + " fixes its layers");
        }
      }
    }
    List<Integer> enc = widths(encoder, "--encoder"), dec = widths(decoder, "--decoder");
    Activation encAct = parse(() -> Activation.parse(encoderActivation), "--encoder-activation");
    Activation decAct = parse(() -> Activation.parse(decoderActivation), "--decoder-activation");
    Likelihood lik = parse(() -> Likelihood.parse(likelihood), "--likelihood");
    if (out == null) throw new IllegalArgumentException("missing --out DIR (the run directory to create)");
    checkOutIsFree(out, force);
    DataOption.check(data, "--data");

    RunConfig.Diagnostics diag = diagnostics.settings();
    DiagnosticOptions.Split split = DiagnosticOptions.open(data, subset, seed, lik, diag.valFraction(), "--data");
    Dataset ds = split.train();
    VaeConfig vc;
    if (architecture.convolutional()) {
      int side2 = io.github.betavae.model.Arch.SIDE * io.github.betavae.model.Arch.SIDE;
      if (ds.features() % side2 != 0) {
        throw new IllegalArgumentException("--arch " + architecture.id() + " takes C×64×64 images (C·4096 values per sample, NCHW) "
            + "but --data has " + ds.features() + " values per sample in " + ds.describe());
      }
      vc = parse(() -> VaeConfig.convolutional(architecture, ds.features() / side2, latent, lik, beta), "--arch");
    } else {
      vc = parse(() -> new VaeConfig(ds.features(), enc, encAct, latent, dec, decAct, lik, beta), "--encoder/--decoder");
    }
    TrainConfig tc = budget(DEFAULT_STEPS, 0, batch, seed);
    if (ds.size() < batch) {
      throw new IllegalArgumentException("--batch " + batch + " needs at least " + batch + " samples but found "
          + ds.size() + " in " + ds.describe());
    }
    long totalSteps = tc.steps() > 0 ? tc.steps() : Math.multiplyExact((long) tc.epochs(), ds.size() / batch);
    Objective o = remedies.build(beta, totalSteps, spec.commandLine().getParseResult());
    RunConfig.ObjectiveSettings objective = new RunConfig.ObjectiveSettings(RemedyOptions.typeOf(o), beta, o.settings());
    Adam.Config ac = Adam.Config.defaults(lr);
    Backends.Choice be = devices.open("--batch", batch, vc, 4);
    RunConfig rc = RunConfig.of(vc, ac, tc, RunConfig.DataInfo.of(data, ds, subset), provenance(be.backend()))
        .withObjective(objective).withDiagnostics(diag).withPrecision(precisionMode());
    return new TrainRun(this, out, rc, ds, be, tc, null).heldOut(split.heldOut());
  }

  private TrainRun prepareResume() throws IOException {
    for (String flag : FIXED_BY_RUN) {
      if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
        throw new IllegalArgumentException(flag + " cannot be given with --resume: the run's " + Checkpoint.CONFIG + " fixes it");
      }
    }
    RemedyOptions.refuseWithResume(spec.commandLine().getParseResult());
    DiagnosticOptions.refuseWithResume(spec.commandLine().getParseResult());
    if (!Files.isDirectory(resume)) {
      throw new IllegalArgumentException("--resume: expected a run directory written by 'train' but found "
          + (Files.exists(resume) ? "a file " : "nothing at ") + resume);
    }
    // The one writer of the directory from here on: a second train on it is refused, a reader is not.
    RunLock lock = RunLock.acquire(resume);
    try {
      return prepareResume(lock);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private TrainRun prepareResume(RunLock lock) throws IOException {
    // A run killed while saving may have left a mix of two checkpoints: put the last complete one back.
    if (Files.exists(resume.resolve(Checkpoint.CONFIG))) Checkpoint.recover(resume);
    RunConfig old = RunConfig.read(resume.resolve(Checkpoint.CONFIG));
    RunConfig.Training t = old.training();
    Checkpoint.OptimizerState state = Checkpoint.readOptimizer(resume.resolve(Checkpoint.OPTIMIZER),
        new io.github.betavae.model.ParamLayout(old.vaeConfig()).size());
    if (state.step() != t.stepsDone()) {
      throw new IllegalStateException("--resume " + resume + ": " + Checkpoint.CONFIG + " says " + t.stepsDone()
          + " steps done but " + Checkpoint.OPTIMIZER + " holds step " + state.step());
    }
    // Everything the run will append to must be sound now, not after training (nothing is written yet).
    int z = old.model().latent();
    io.github.betavae.train.MetricsCsv.checkForResume(resume.resolve(TrainRun.METRICS), z, t.stepsDone());
    io.github.betavae.train.CollapseMonitor.checkForResume(resume.resolve(TrainRun.DIAGNOSTICS), z, t.stepsDone());
    String spec = resumeData(old.data());
    DiagnosticOptions.Split split = DiagnosticOptions.open(spec, old.data().subset(), t.seed(),
        Likelihood.parse(old.model().likelihood()), old.diagnostics().valFraction(), "--resume data");
    Dataset ds = split.train();
    if (ds.size() != old.data().size() || ds.features() != old.data().features()) {
      throw new IllegalArgumentException("--resume " + resume + ": expected data of " + old.data().size() + " × "
          + old.data().features() + " but " + spec + " now gives " + ds.size() + " × " + ds.features());
    }
    // An explicit --data is a deliberate choice: record that file's identity from now on.
    RunConfig.DataInfo dataInfo = this.spec.commandLine().getParseResult().hasMatchedOption("--data")
        ? RunConfig.DataInfo.of(spec, ds, old.data().subset()) : old.data();
    TrainConfig tc = budget(t.steps(), t.epochs(), t.batch(), t.seed());
    Backends.Choice be = devices.open("the run's batch", t.batch(), old.vaeConfig(), 4);
    RunConfig rc = new RunConfig(old.format(), old.model(), old.objective(), old.optimizer(),
        new RunConfig.Training(t.seed(), t.batch(), tc.steps(), tc.epochs(), t.stepsDone(), checkpointEvery, t.skippedNonfinite(),
            t.precision()),
        dataInfo, provenance(be.backend()), old.diagnostics());
    return new TrainRun(this, resume, rc, ds, be, tc, state).heldOut(split.heldOut()).locked(lock);
  }

  /**
   * The data a resumed run continues on: {@code --data} when given (a deliberate change, recorded in
   * config.json), else the file the run recorded, which must still be the same file: same size and
   * fingerprint ({@link RunConfig.DataInfo#fingerprint}).
   */
  private String resumeData(RunConfig.DataInfo recorded) throws IOException {
    if (spec.commandLine().getParseResult().hasMatchedOption("--data")) {
      DataOption.check(data, "--data");
      return data;
    }
    if (!recorded.hasIdentity()) return recorded.spec();
    Path p = Path.of(recorded.spec());
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException("--resume " + resume + ": the run's data file " + p + " is gone; pass --data FILE "
          + "to resume on a copy of it");
    }
    long size = Files.size(p);
    String fp = RunConfig.DataInfo.fingerprint(p);
    if (size != recorded.fileBytes() || !fp.equals(recorded.fingerprint())) {
      throw new IllegalArgumentException("--resume " + resume + ": the run's data file " + p + " has changed since the run "
          + "started (" + recorded.fileBytes() + " bytes, fingerprint " + recorded.fingerprint() + "; now " + size
          + " bytes, " + fp + "); pass --data " + p + " to resume on it anyway");
    }
    return recorded.spec();
  }

  /** The budget from --steps/--epochs, else the fallback (a step count, or an epoch count when > 0). */
  private TrainConfig budget(long fallbackSteps, int fallbackEpochs, int b, long runSeed) {
    if (steps != null) return new TrainConfig(steps, 0, b, runSeed, checkpointEvery);
    if (epochs != null) return new TrainConfig(0, epochs, b, runSeed, checkpointEvery);
    if (fallbackEpochs > 0) return new TrainConfig(0, fallbackEpochs, b, runSeed, checkpointEvery);
    return new TrainConfig(fallbackSteps, 0, b, runSeed, checkpointEvery);
  }

  void note(String line) {
    if (!quiet) spec.commandLine().getErr().println(line);
  }

  private static RunConfig.Provenance provenance(Backend be) {
    return RunConfig.Provenance.now(BuildInfo.version(), be.name());
  }

  /**
   * Refuses a directory that exists and holds anything (but a released {@link RunLock} file), unless
   * forced; refuses a directory another run is writing even then.
   */
  static void checkOutIsFree(Path dir, boolean force) throws IOException {
    if (!Files.exists(dir)) return;
    if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--out " + dir + " exists and is not a directory");
    if (RunLock.isHeld(dir)) {
      // Takes nothing while it is held: acquire() fails and names the holder.
      RunLock.acquire(dir).close();
    }
    checkHoldsNothing(dir, force);
  }

  /** Refuses a directory holding anything but the lock file, unless forced. */
  static void checkHoldsNothing(Path dir, boolean force) throws IOException {
    if (force) return;
    try (Stream<Path> s = Files.list(dir)) {
      if (s.anyMatch(p -> !p.getFileName().toString().equals(RunLock.FILE))) {
        throw new IllegalArgumentException("--out " + dir + " already exists and is not empty; choose a new directory, "
            + "--resume it, or pass --force to overwrite");
      }
    }
  }

  private static String join(List<Integer> widths) {
    return widths.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
  }

  /**
   * Hidden widths from "1200,1200" ("none": no hidden layer). One value, so a repeated option
   * replaces the earlier one like every other option.
   */
  static List<Integer> widths(String spec, String flag) {
    String s = spec.strip();
    if (s.equalsIgnoreCase("none")) return List.of();
    List<Integer> w = new java.util.ArrayList<>();
    for (String part : s.split(",", -1)) {
      int v;
      try {
        v = Integer.parseInt(part.strip());
      } catch (NumberFormatException e) {
        v = -1;
      }
      if (v < 1) {
        throw new IllegalArgumentException(flag + ": expected comma-separated widths ≥ 1 (or none for no hidden layer) but found '"
            + spec + "'");
      }
      w.add(v);
    }
    return w;
  }

  private static <T> T parse(java.util.function.Supplier<T> p, String flag) {
    try {
      return p.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + ": " + e.getMessage());
    }
  }
}
