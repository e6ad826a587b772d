package io.github.betavae.train;

import io.github.betavae.backend.StepState;
import io.github.betavae.data.Dataset;
import io.github.betavae.model.BetaVae;

/**
 * Where a step's batch comes from: fills the model's input buffer for batch size B with the rows
 * {@code rows[from .. from+B)} of the data. The default gathers on the host and uploads the batch;
 * the CUDA engine can keep the whole dataset on the device and gather there
 * ({@code backend.cuda.ResidentData}), uploading only the row indices. Every source gives the model
 * the same values for the same rows.
 */
public interface BatchSource extends AutoCloseable {
  /** Fills {@code model.input(b)} with the given rows. */
  void fill(BetaVae model, int[] rows, int from, int b);

  /**
   * Whether this source serves resident steps: batches gathered where the step runs, in the order
   * of {@link EpochOrder#shuffled} for the run's seed, by {@link #startEpoch} and {@link #queueFill}
   * alone (no host copy, so the trainer may capture them into a graph).
   */
  default boolean resident() {
    return false;
  }

  /** Resident sources: prepares epoch {@code epoch}'s order (queued; called before its first step). */
  default void startEpoch(long epoch) {
    throw new UnsupportedOperationException(describe() + " is not resident");
  }

  /**
   * Resident sources: queues the batch of the step {@code state} is at into {@code model.input(b)}:
   * rows {@code order(epoch)[(t mod S)·B ..+B)}.
   */
  default void queueFill(BetaVae model, StepState state, int b) {
    throw new UnsupportedOperationException(describe() + " is not resident");
  }

  /** One line for the run's summary ("host gather", "device-resident uint8, 12.3 MB"). */
  String describe();

  /** Releases what the source holds; idempotent. */
  @Override
  default void close() {}

  /** Rows copied on the host into one reused array and uploaded: the path for any backend and data. */
  static BatchSource host(Dataset data) {
    return new BatchSource() {
      private float[] batch = new float[0];

      @Override
      public void fill(BetaVae model, int[] rows, int from, int b) {
        int d = data.features();
        if (batch.length != (long) b * d) batch = new float[Math.multiplyExact(b, d)];
        for (int r = 0; r < b; r++) data.copy(rows[from + r], batch, r * d);
        model.backend().write(model.input(b), batch);
      }

      @Override
      public String describe() {
        return "batches gathered on the host";
      }
    };
  }
}
