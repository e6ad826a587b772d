package io.github.betavae.train;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Graph;
import io.github.betavae.backend.ObjectiveParams;
import io.github.betavae.backend.StepRecord;
import io.github.betavae.backend.StepState;
import io.github.betavae.data.Dataset;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.LossStats;
import io.github.betavae.optim.Adam;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Minibatch training of a {@link BetaVae} with {@link Adam}. Each step gathers B rows of the dataset
 * in the epoch's order, runs forward + backward through the backend and applies one update.
 *
 * <p>Step {@code t} (0-based) takes rows {@code t mod S · B .. +B} of epoch {@code ⌊t/S⌋}'s order,
 * S = ⌊N/B⌋ steps per epoch, and draws ε with Philox counter step {@code t}. A run is therefore a
 * pure function of the seed, and resuming at step t replays exactly what an uninterrupted run does.
 */
public final class Trainer {

  /** Saves a checkpoint after {@code stepsDone} updates. */
  @FunctionalInterface
  public interface Checkpointer {
    void save(long stepsDone) throws IOException;
  }

  private final TrainConfig cfg;
  private final BetaVae model;
  private final Adam adam;
  private final Dataset data;
  private final Objective objective;
  private final EpochOrder order;
  private final long stepsPerEpoch;
  private final long totalSteps;
  private final List<TrainListener> listeners = new ArrayList<>();
  private Checkpointer checkpointer = stepsDone -> {};
  private long stepsDone;
  private final NumericGuard guard;
  private BatchSource batches;
  private volatile String stopRequest;
  private long checkpointEveryNanos;
  private boolean skipNonFinite;
  private long skipped;
  private GraphMode graphMode = GraphMode.AUTO;
  private boolean graphUsed;
  private LossStats last;

  /** {@code train --graph}: whether the step is captured once and replayed. */
  public enum GraphMode {
    /** Capture where it can be done: a backend with graphs, a resident data source. */
    AUTO,
    /** Capture, or fail before the first step saying why it cannot be done. */
    ON,
    /** Queue every step's ops one by one. */
    OFF
  }

  /** A trainer visiting the data in the seeded per-epoch shuffle of {@link EpochOrder#shuffled}. */
  public Trainer(TrainConfig cfg, BetaVae model, Adam adam, Dataset data, Objective objective) {
    this(cfg, model, adam, data, objective, EpochOrder.shuffled(cfg.seed(), data.size()));
  }

  /**
   * @param order the per-epoch sample order; its permutations must cover {@code [0, data.size())}
   * @throws IllegalArgumentException when the data does not fit the model or holds fewer than B samples
   */
  public Trainer(TrainConfig cfg, BetaVae model, Adam adam, Dataset data, Objective objective, EpochOrder order) {
    this.cfg = cfg;
    this.model = model;
    this.adam = adam;
    this.data = data;
    this.objective = objective;
    this.order = order;
    int d = model.config().inputSize();
    if (data.features() != d) {
      throw new IllegalArgumentException("training data: expected " + d + " features per sample but found "
          + data.features() + " in " + data.describe());
    }
    if (data.size() < cfg.batch()) {
      throw new IllegalArgumentException("training data: batch " + cfg.batch() + " needs at least " + cfg.batch()
          + " samples but found " + data.size() + " in " + data.describe());
    }
    long n = model.layout().size();
    if (adam.m().length() != n) {
      throw new IllegalArgumentException("optimizer: expected state for " + n + " parameters but found " + adam.m().length());
    }
    this.stepsPerEpoch = data.size() / cfg.batch();
    this.totalSteps = cfg.steps() > 0 ? cfg.steps() : Math.multiplyExact(cfg.epochs(), stepsPerEpoch);
    this.stepsDone = adam.steps();
    this.guard = new NumericGuard(model);
  }

  /**
   * With {@code skip}, a batch whose loss or gradient holds NaN or ±∞ is skipped (no update, no
   * metrics row) and counted; without it (the default) it stops training with a
   * {@link NonFiniteException}.
   */
  public Trainer skipNonFinite(boolean skip) {
    this.skipNonFinite = skip;
    return this;
  }

  /** Batches skipped by this trainer for non-finite values (see {@link #skipNonFinite}). */
  public long skippedSteps() {
    return skipped;
  }

  /**
   * Asks the running loop to stop at the next step boundary: it finishes the step under way, saves a
   * checkpoint and throws {@link StoppedException}. Safe to call from any thread (a signal handler).
   */
  public void requestStop(String signal) {
    this.stopRequest = signal;
  }

  /**
   * Also checkpoints when this many minutes have passed since the last save (0: never), so that a
   * kill -9 or a lost machine costs at most that much. Checkpoint contents depend only on the step,
   * so runs stay byte-identical whatever the timing.
   */
  public Trainer checkpointEveryMinutes(double minutes) {
    if (!(minutes >= 0) || Double.isInfinite(minutes)) {
      throw new IllegalArgumentException("checkpoint interval must be a finite number of minutes ≥ 0 but was " + minutes);
    }
    this.checkpointEveryNanos = (long) (minutes * 60e9);
    return this;
  }

  /** Whether to capture the step into a graph (default {@link GraphMode#AUTO}). */
  public Trainer graph(GraphMode mode) {
    this.graphMode = java.util.Objects.requireNonNull(mode, "graph mode");
    return this;
  }

  /** Whether the last {@link #run()} replayed a captured graph. */
  public boolean graphUsed() {
    return graphUsed;
  }

  /** Registers a listener; listeners are called in registration order. */
  public Trainer addListener(TrainListener l) {
    listeners.add(l);
    return this;
  }

  /**
   * Where batches come from (default: gathered on the host from the trainer's data); the source must
   * serve the same dataset, row for row. The trainer does not close it.
   */
  public Trainer batchSource(BatchSource source) {
    this.batches = source;
    return this;
  }

  /** Sets what saves a checkpoint; called every {@code checkpointEvery} steps and once at the end. */
  public Trainer onCheckpoint(Checkpointer c) {
    this.checkpointer = c;
    return this;
  }

  /** Steps of one epoch, ⌊N/B⌋. */
  public long stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** The step budget this run trains to. */
  public long totalSteps() {
    return totalSteps;
  }

  /** Updates taken so far (starts at the optimizer's step count, so a restored optimizer resumes). */
  public long stepsDone() {
    return stepsDone;
  }

  /**
   * Trains until {@link #totalSteps()} updates are done, then saves the final checkpoint.
   *
   * @return the loss terms of the last step (null when there was nothing left to do)
   * @throws NonFiniteException when the loss or a gradient is NaN or ±∞ and such batches are not
   *     skipped; the update is not applied and no checkpoint is written
   */
  public LossStats run() throws IOException {
    Optional<ObjectiveParams> form = objective.deviceForm();
    if (graphMode == GraphMode.ON) {
      String why = form.isEmpty() ? "the objective " + objective.describe() + " has no device form"
          : !model.backend().graphs() ? "the " + model.backend().name() + " engine has no graphs (use --device cuda)"
          : batches == null || !batches.resident() ? "the data is not resident on the device" : null;
      if (why != null) throw new IllegalArgumentException("--graph on: cannot capture the training step: " + why);
    }
    if (form.isEmpty()) return runHost();
    return runResident(form.get());
  }

  /**
   * The resident loop (DESIGN §11): each step is queued with no host read or write — the batch
   * gathered where the step runs (or uploaded by a host source), forward, objective, backward,
   * finite check, Adam and the step counter on the backend — and its stats record is published and
   * collected one step later, so on CUDA the host queues step t+1 while step t runs. The loop waits
   * for the step in flight only where the host needs the model: a checkpoint, a stop, a listener
   * that reads the model, the end.
   */
  private LossStats runResident(ObjectiveParams params) throws IOException {
    final int b = cfg.batch();
    final Backend be = model.backend();
    final BatchSource source = batches != null ? batches : BatchSource.host(data);
    final boolean resident = source.resident();
    graphUsed = resident && be.graphs() && graphMode != GraphMode.OFF;
    last = null;
    for (TrainListener l : listeners) l.onStart(new TrainListener.Plan(stepsDone, totalSteps, stepsPerEpoch, b, model.config().latent()));
    long lastSave = System.nanoTime();
    final long start = stepsDone;
    long queued = stepsDone;
    long firstEpoch = -1;
    int[] perm = null;
    long permEpoch = -1;
    Graph graph = null;
    try (StepState st = be.stepState(model.config().latent())) {
      be.setStep(st, stepsDone, (stepsDone % stepsPerEpoch) * b);
      Runnable queueStep = () -> {
        if (resident) source.queueFill(model, st, b);
        model.queueForwardBackward(b, cfg.seed(), st, params, !skipNonFinite);
        adam.queueUpdate(model.params(), model.grads(), st);
        be.advance(st, stepsPerEpoch, b);
      };
      while (true) {
        boolean byStep = cfg.checkpointEvery() > 0 && queued % cfg.checkpointEvery() == 0 && queued > start;
        boolean byTime = checkpointEveryNanos > 0 && System.nanoTime() - lastSave >= checkpointEveryNanos;
        boolean reads = false;
        for (TrainListener l : listeners) reads |= queued > start && l.readsModelAt(queued);
        if (queued == totalSteps || stopRequest != null || byStep || byTime || reads) {
          while (be.pending(st) > 0) process(be.collect(st));
          if (queued == totalSteps) break;
          if (stopRequest != null) {
            checkpointer.save(stepsDone);
            throw new StoppedException(stopRequest, stepsDone, "stopped by " + stopRequest + " after step " + stepsDone
                + " of " + totalSteps + "; the checkpoint is saved");
          }
          if (byStep || byTime) {
            checkpointer.save(stepsDone);
            lastSave = System.nanoTime();
          }
        }
        long t = queued;
        long epoch = t / stepsPerEpoch;
        if (resident) {
          if (epoch != firstEpoch && (t % stepsPerEpoch == 0 || firstEpoch == -1)) source.startEpoch(epoch);
          firstEpoch = epoch;
        } else {
          if (epoch != permEpoch) {
            perm = order.order(epoch);
            if (perm.length != data.size()) {
              throw new IllegalStateException("epoch order: expected a permutation of " + data.size() + " indices but found " + perm.length);
            }
            permEpoch = epoch;
          }
          source.fill(model, perm, (int) (t % stepsPerEpoch) * b, b);
        }
        if (graph != null) {
          graph.replay();
        } else {
          queueStep.run();
          // Capture after one eager step, so every buffer the step needs exists (DESIGN §11).
          if (graphUsed) graph = be.capture(queueStep);
        }
        be.publish(st);
        queued = t + 1;
        if (be.pending(st) == 2) process(be.collect(st));
      }
      checkpointer.save(stepsDone);
    } finally {
      if (graph != null) graph.close();
      for (TrainListener l : listeners) l.onEnd(stepsDone);
    }
    return last;
  }

  /** Takes the record of the next step in order: the guard, the metrics, the listeners. */
  private void process(StepRecord r) {
    long t = stepsDone;
    if (r.step() != t + 1) throw new IllegalStateException("step record: expected step " + (t + 1) + " but found " + r.step());
    if (r.flags() != 0 && !skipNonFinite) throw new NonFiniteException(guard.describe(r, t + 1), t + 1);
    stepsDone = t + 1;
    adam.setSteps(Math.toIntExact(stepsDone));
    if (r.flags() != 0) {
      // Adam left weights and moments as they were; the step still counts, as on the host path.
      skipped++;
      return;
    }
    LossStats s = new LossStats(r.loss(), r.recon(), r.kl(), r.klDim());
    last = s;
    TrainListener.Step info = new TrainListener.Step(stepsDone, t / stepsPerEpoch, s, objective.betaAt(t));
    for (TrainListener l : listeners) l.onStep(info);
  }

  /** The loop for objectives without a device form: the objective is evaluated on the host every step. */
  private LossStats runHost() throws IOException {
    int b = cfg.batch();
    BatchSource source = batches != null ? batches : BatchSource.host(data);
    int[] perm = null;
    long permEpoch = -1;
    LossStats last = null;
    graphUsed = false;
    for (TrainListener l : listeners) l.onStart(new TrainListener.Plan(stepsDone, totalSteps, stepsPerEpoch, b, model.config().latent()));
    long lastSave = System.nanoTime();
    try {
      while (stepsDone < totalSteps) {
        if (stopRequest != null) {
          checkpointer.save(stepsDone);
          throw new StoppedException(stopRequest, stepsDone, "stopped by " + stopRequest + " after step " + stepsDone
              + " of " + totalSteps + "; the checkpoint is saved");
        }
        long t = stepsDone;
        long epoch = t / stepsPerEpoch;
        if (epoch != permEpoch) {
          perm = order.order(epoch);
          if (perm.length != data.size()) {
            throw new IllegalStateException("epoch order: expected a permutation of " + data.size() + " indices but found " + perm.length);
          }
          permEpoch = epoch;
        }
        int first = (int) (t % stepsPerEpoch) * b;
        source.fill(model, perm, first, b);
        LossStats s = model.forwardBackward(b, cfg.seed(), t, objective);
        String bad = guard.check(s, t + 1);
        if (bad != null && !skipNonFinite) throw new NonFiniteException(bad, t + 1);
        if (bad != null) {
          // The batch counts toward the budget and Adam's step, so step t still maps to the same
          // data and ε on resume, but weights and moments stay as they were and no row is written.
          adam.setSteps(Math.toIntExact(adam.steps() + 1));
          stepsDone = t + 1;
          skipped++;
          if (cfg.checkpointEvery() > 0 && stepsDone % cfg.checkpointEvery() == 0 && stepsDone < totalSteps) {
            checkpointer.save(stepsDone);
          }
          continue;
        }
        adam.step(model.params(), model.grads());
        stepsDone = t + 1;
        last = s;
        TrainListener.Step info = new TrainListener.Step(stepsDone, epoch, s, objective.betaAt(t));
        for (TrainListener l : listeners) l.onStep(info);
        boolean byStep = cfg.checkpointEvery() > 0 && stepsDone % cfg.checkpointEvery() == 0;
        boolean byTime = checkpointEveryNanos > 0 && System.nanoTime() - lastSave >= checkpointEveryNanos;
        if ((byStep || byTime) && stepsDone < totalSteps) {
          checkpointer.save(stepsDone);
          lastSave = System.nanoTime();
        }
      }
      checkpointer.save(stepsDone);
    } finally {
      for (TrainListener l : listeners) l.onEnd(stepsDone);
    }
    return last;
  }
}
