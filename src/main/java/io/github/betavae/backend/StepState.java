package io.github.betavae.backend;

/**
 * The state a resident training step keeps where the step runs (device memory on CUDA, a Java
 * object on the CPU): the step counter that ε, the schedules and Adam read, and the step's stats
 * record ({@link StepRecord}). Made by {@link Backend#stepState}; ops that take it read the step from
 * it, so a captured CUDA graph replays as the step the device is at, not the step it was captured at.
 */
public interface StepState extends AutoCloseable {
  /** Z, the number of KL-per-dimension slots of the record. */
  int latent();

  /** Releases what the state holds; idempotent. */
  @Override
  void close();
}
