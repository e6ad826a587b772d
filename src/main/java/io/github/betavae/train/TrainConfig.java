package io.github.betavae.train;

/**
 * How long and in what batches to train, validated on construction.
 *
 * @param steps budget in optimizer updates; 0 when the budget is given in epochs
 * @param epochs budget in passes over the data (an epoch is ⌊N/B⌋ steps, the last partial batch
 *     dropped as PyTorch's {@code drop_last=True}); 0 when the budget is given in steps
 * @param batch B, samples per step
 * @param seed the run seed: initialization, ε and the per-epoch shuffle all derive from it
 * @param checkpointEvery save a checkpoint every this many steps as well as at the end (0 = only at the end)
 */
public record TrainConfig(long steps, int epochs, int batch, long seed, long checkpointEvery) {

  public TrainConfig {
    if (batch < 1) throw new IllegalArgumentException("batch must be ≥ 1 but was " + batch);
    if (steps < 0) throw new IllegalArgumentException("steps must be ≥ 0 but was " + steps);
    if (epochs < 0) throw new IllegalArgumentException("epochs must be ≥ 0 but was " + epochs);
    if ((steps > 0) == (epochs > 0)) {
      throw new IllegalArgumentException("give exactly one budget, steps or epochs, but found steps=" + steps + " and epochs=" + epochs);
    }
    if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint interval must be ≥ 0 but was " + checkpointEvery);
  }

  /** A budget of {@code steps} updates. */
  public static TrainConfig ofSteps(long steps, int batch, long seed) {
    return new TrainConfig(steps, 0, batch, seed, 0);
  }

  /** A budget of {@code epochs} passes. */
  public static TrainConfig ofEpochs(int epochs, int batch, long seed) {
    return new TrainConfig(0, epochs, batch, seed, 0);
  }

  /** The same configuration checkpointing every {@code every} steps. */
  public TrainConfig withCheckpointEvery(long every) {
    return new TrainConfig(steps, epochs, batch, seed, every);
  }
}
