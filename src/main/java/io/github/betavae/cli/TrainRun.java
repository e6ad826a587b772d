package io.github.betavae.cli;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Backends;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.checkpoint.RunLock;
import io.github.betavae.data.Dataset;
import io.github.betavae.loss.Objective;
import io.github.betavae.loss.ObjectiveSettings;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.LossStats;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import io.github.betavae.metrics.Diagnostics;
import io.github.betavae.train.CollapseMonitor;
import io.github.betavae.train.MetricsCsv;
import io.github.betavae.train.Progress;
import io.github.betavae.train.TrainConfig;
import io.github.betavae.train.Trainer;
import io.github.betavae.viz.Figures;
import io.github.betavae.viz.FontRenderer;
import io.github.betavae.viz.Plots;
import io.github.betavae.viz.Traversals;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** One checked, ready-to-go training run of {@link TrainCommand}: fresh or resumed. */
final class TrainRun {
  static final String METRICS = "metrics.csv";
  static final String SAMPLES = "samples.png";
  static final String RECONSTRUCTIONS = "reconstructions.png";
  static final String CURVES = "curves.png";
  static final String TRAVERSALS = "traversals.png";
  /** Samples whose mean KL orders the traversal rows: enough to rank dimensions, cheap at the end of a run. */
  static final int TRAVERSAL_REFERENCE = 256;
  static final String DIAGNOSTICS = "diagnostics.csv";
  /** Prior draws in samples.png (an 8×8 grid) and inputs in reconstructions.png. */
  static final int SAMPLE_COUNT = 64, RECON_COUNT = 32;

  private final TrainCommand cmd;
  private final Path dir;
  private final RunConfig config;
  private final Dataset data;
  private final Backends.Choice be;
  private final TrainConfig tc;
  private final Checkpoint.OptimizerState resumed;
  private Dataset heldOut;
  private RunLock lock;

  TrainRun(TrainCommand cmd, Path dir, RunConfig config, Dataset data, Backends.Choice be, TrainConfig tc,
           Checkpoint.OptimizerState resumed) {
    this.cmd = cmd;
    this.dir = dir;
    this.config = config;
    this.data = data;
    this.be = be;
    this.tc = tc;
    this.resumed = resumed;
  }

  /** Evaluates collapse diagnostics on {@code d} (null: none) into diagnostics.csv. */
  TrainRun heldOut(Dataset d) {
    this.heldOut = d;
    return this;
  }

  /** The run directory's lock, already taken (a resume takes it before repairing the directory). */
  TrainRun locked(RunLock l) {
    this.lock = l;
    return this;
  }

  /** Releases the run directory's lock, if this run took it. */
  void releaseLock() {
    if (lock != null) lock.close();
    lock = null;
  }

  int execute() throws IOException {
    PrintWriter out = cmd.spec.commandLine().getOut();
    PrintWriter err = cmd.spec.commandLine().getErr();
    VaeConfig vc = config.vaeConfig();
    try (Backend backend = be.backend(); BetaVae model = resumed == null ? new BetaVae(vc, backend) : Checkpoint.load(dir, backend).model();
         SourceHolder source = new SourceHolder()) {
      backend.precision(config.training().precisionMode());
      Adam adam = new Adam(backend, config.optimizer().toAdam(), model.layout().size());
      if (resumed == null) {
        model.initialize(tc.seed());
      } else {
        backend.write(adam.m(), resumed.m());
        backend.write(adam.v(), resumed.v());
        adam.setSteps(Math.toIntExact(resumed.step()));
      }
      Objective objective = ObjectiveSettings.objective(config.objective().settings());
      Trainer trainer = new Trainer(tc, model, adam, data, objective);
      if (trainer.stepsDone() >= trainer.totalSteps()) {
        out.println("nothing to do: " + dir + " has " + trainer.stepsDone() + " of " + trainer.totalSteps() + " steps done");
        return 0;
      }
      if (cmd.graphMode() == io.github.betavae.train.Trainer.GraphMode.ON && !backend.graphs()) {
        throw new IllegalArgumentException("--graph on: the " + backend.name() + " engine has no graphs; use --device cuda "
            + "(or cuda-emu), or --graph auto");
      }
      boolean created = false;
      if (lock == null) {
        created = !Files.exists(dir);
        Files.createDirectories(dir);
        lock = RunLock.acquire(dir);
        // Another run may have started on the same new directory between the checks and now.
        try {
          TrainCommand.checkHoldsNothing(dir, cmd.force);
        } catch (IllegalArgumentException | IllegalStateException e) {
          releaseLock();
          if (created) deleteQuietly(dir);
          throw e;
        }
      }
      String batches = "batches gathered on the host";
      if (backend instanceof io.github.betavae.backend.cuda.CudaBackend cb) {
        // On CUDA the data lives on the device when it fits (1 bit per binary value, 1 byte per grey
        // level, else a float): the epoch order is generated and each batch gathered there, so a step
        // uploads nothing. Otherwise batches stream through pinned buffers beside the kernels.
        // Uploaded once the run owns its directory.
        String mode = cmd.residentMode();
        var resident = mode.equals("off") ? java.util.Optional.<io.github.betavae.backend.cuda.ResidentData>empty()
            : io.github.betavae.backend.cuda.ResidentData.upload(cb, data);
        if (resident.isPresent()) {
          var r = resident.get();
          trainer.batchSource(r.batches(tc.seed()));  // the trainer's order is EpochOrder.shuffled(seed)
          batches = r.describe();
        } else if (mode.equals("on") || cmd.graphMode() == io.github.betavae.train.Trainer.GraphMode.ON) {
          releaseLock();
          if (created) deleteQuietly(dir);
          throw new IllegalArgumentException((mode.equals("on") ? "--resident on" : "--graph on") + ": the data does not fit "
              + "on the device (it must fit in " + (int) (100 * io.github.betavae.backend.cuda.ResidentData.MAX_SHARE)
              + "% of free device memory at 1 bit per binary value, 1 byte per grey level or 4 bytes per other value); use "
              + (mode.equals("on") ? "--resident auto" : "--graph auto"));
        } else {
          source.held = new io.github.betavae.backend.cuda.StreamedData(cb, data);
          trainer.batchSource(source.held);
          batches = source.held.describe();
        }
      } else if (cmd.residentMode().equals("on")) {
        releaseLock();
        if (created) deleteQuietly(dir);
        throw new IllegalArgumentException("--resident on: the " + backend.name() + " engine keeps the data in host memory; "
            + "use --device cuda (or cuda-emu), or --resident auto");
      }
      trainer.graph(cmd.graphMode());
      cmd.note(String.format(Locale.ROOT, "train: %s; network %s; %s; %s %d steps of %d on %s; %s",
          data.describe(), shape(vc), objective.describe(), resumed == null ? "training" : "resuming at step " + trainer.stepsDone() + " of",
          trainer.totalSteps(), tc.batch(), be.description()
              + (backend.precision() == io.github.betavae.backend.Precision.TF32 ? " with TF32 products" : ""), batches));
      MetricsCsv metrics = new MetricsCsv(dir.resolve(METRICS), 1);
      trainer.addListener(metrics);
      trainer.skipNonFinite(cmd.skipNonFinite);
      long skippedBefore = config.training().skippedNonfinite();
      if (!cmd.quiet) trainer.addListener(new Progress(err, !cmd.plainProgress && Progress.stderrIsTerminal(), 0));
      RunConfig.Diagnostics dg = config.diagnostics();
      CollapseMonitor monitor = new CollapseMonitor(model, heldOut, dir.resolve(DIAGNOSTICS), tc.seed(), tc.batch(),
          dg.every(), dg.collapseThreshold(), dg.miBatch(), cmd.quiet ? null : err);
      trainer.addListener(monitor);
      Profiler profiler = cmd.profile ? new Profiler(backend) : null;
      if (profiler != null) trainer.addListener(profiler);
      trainer.onCheckpoint(done -> {
        metrics.flush();
        Checkpoint.save(dir, model, adam, config.withProgress(done, skippedBefore + trainer.skippedSteps()));
      });
      trainer.checkpointEveryMinutes(cmd.checkpointEveryMinutes);
      LossStats last;
      try (StopSignals signals = StopSignals.install(trainer::requestStop)) {
        last = trainer.run();
      } catch (io.github.betavae.train.StoppedException e) {
        throw new io.github.betavae.train.StoppedException(e.signal(), e.stepsDone(), e.getMessage() + " in " + dir
            + "; continue with: betavae train --resume " + dir);
      }
      if (profiler != null) profiler.write(dir, trainer.graphUsed());
      // the run is saved: a figure that needs text and a system without font libraries costs that figure only
      Map<String, FontRenderer.Drawing> figures = new LinkedHashMap<>();
      figures.put(SAMPLES, () -> Figures.writeSamples(model, SAMPLE_COUNT, tc.seed(), dir.resolve(SAMPLES)));
      figures.put(RECONSTRUCTIONS, () -> Figures.writeReconstructions(model, data, RECON_COUNT, dir.resolve(RECONSTRUCTIONS)));
      figures.put(CURVES, () -> Plots.trainingCurves(dir.resolve(METRICS), dir.resolve(CURVES)));
      figures.put(TRAVERSALS, () -> Traversals.write(model, data, Traversals.pickIndex(data, tc.seed()),
          new Traversals.Options(3.0, 10, TRAVERSAL_REFERENCE, tc.seed()), dir.resolve(TRAVERSALS)));
      String notDrawn = FontRenderer.drawEach(figures, new java.util.ArrayList<>());
      if (notDrawn != null) err.println("train: " + notDrawn);
      out.printf(Locale.ROOT, "wrote %s after %d steps: last batch loss %.4f (recon %.4f, kl %.4f)%n", dir,
          trainer.stepsDone(), last == null ? Double.NaN : last.loss(), last == null ? Double.NaN : last.recon(),
          last == null ? Double.NaN : last.kl());
      if (trainer.skippedSteps() > 0) {
        out.printf(Locale.ROOT, "skipped %d batches with a non-finite loss or gradient (%d in all, recorded in %s)%n",
            trainer.skippedSteps(), skippedBefore + trainer.skippedSteps(), Checkpoint.CONFIG);
      }
      if (monitor.last() != null) {
        Diagnostics.Result r = monitor.last();
        out.printf(Locale.ROOT, "held-out (%d samples): ELBO %.4f (recon %.4f, kl %.4f), active units %d/%d, mutual information %.4f nats%s, "
            + "aggregate posterior vs prior: KL %.4f nats, MMD² %.4g%n",
            r.n(), r.elbo(), r.recon(), r.kl(), r.activeUnits(), r.latent(), r.mutualInfo(),
            r.miBatch() < r.n() ? " (batches of " + r.miBatch() + ")" : "", r.aggKl(), r.aggMmd());
      }
      if (monitor.collapse() != null) out.println(monitor.collapse());
      return 0;
    }
  }

  /** The batch source a run opened, closed before the backend it uses. */
  private static final class SourceHolder implements AutoCloseable {
    io.github.betavae.train.BatchSource held;

    @Override
    public void close() {
      if (held != null) held.close();
    }
  }

  /** Removes a directory this run created that holds nothing but its lock file. */
  private static void deleteQuietly(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve(RunLock.FILE));
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // something else is in it now: leave it
    }
  }

  /** "4096-1200-1200-[10]-1200-1200-1200-4096 relu/tanh bernoulli". */
  static String shape(VaeConfig c) {
    if (c.arch().convolutional()) {
      return String.format(Locale.ROOT, "%s (%d×64×64, %d convolutions, dense %s-[%d]-%s, %d transposed convolutions) relu %s",
          c.arch().id(), c.channels(), c.arch().encoderConvs(c.channels()).size(), c.encoder(), c.latent(), c.decoder(),
          c.arch().decoderDeconvs(c.channels()).size(), c.likelihood().id());
    }
    StringBuilder sb = new StringBuilder().append(c.inputSize());
    for (int h : c.encoder()) sb.append('-').append(h);
    sb.append("-[").append(c.latent()).append(']');
    for (int h : c.decoder()) sb.append('-').append(h);
    sb.append('-').append(c.inputSize());
    return sb + " " + c.encoderActivation().id() + "/" + c.decoderActivation().id() + " " + c.likelihood().id();
  }
}
