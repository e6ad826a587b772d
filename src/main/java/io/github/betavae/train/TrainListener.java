package io.github.betavae.train;

import io.github.betavae.model.LossStats;

/** Callbacks from {@link Trainer#run()}, on the training thread. */
public interface TrainListener {

  /** What a run will do: steps {@code firstStep+1 .. totalSteps}, each on {@code batch} samples. */
  record Plan(long firstStep, long totalSteps, long stepsPerEpoch, int batch, int latent) {}

  /**
   * One finished update.
   *
   * @param step updates done so far, counting this one (1-based)
   * @param epoch the epoch this step's batch came from (0-based)
   * @param stats loss terms of this step's batch, measured before the update
   * @param beta KL weight in force at this step
   */
  record Step(long step, long epoch, LossStats stats, double beta) {}

  /**
   * Whether this listener reads the model in {@link #onStep} for step {@code step} (1-based). The
   * trainer then waits for that step to finish before it queues the next, so the listener sees the
   * weights after exactly {@code step} updates.
   */
  default boolean readsModelAt(long step) {
    return false;
  }

  /** Before the first step. */
  default void onStart(Plan plan) {}

  /** After each update. */
  void onStep(Step step);

  /** After the last step, or when training stops early with an exception; release resources here. */
  default void onEnd(long stepsDone) {}
}
