package io.github.betavae.loss;

import io.github.betavae.backend.ObjectiveParams;
import java.util.Map;
import java.util.Optional;

/**
 * The training objective as a function of the batch-mean reconstruction term and the batch-mean KL
 * of each latent dimension. The model needs only its value and ∂objective/∂KL_d; the reconstruction
 * term always enters with weight 1.
 *
 * <p>Implementations: {@link ScheduledBeta} (constant, warm-up or cyclical β), {@link FreeBits}
 * (per-dimension KL floor) and {@link CapacityObjective} (γ·|KL − C| with C ramped). Each is a record
 * of its settings, which {@link #describe()} and {@link #settings()} render for config.json.
 */
public interface Objective {

  /**
   * Returns the objective for this batch at training step {@code step} and writes
   * {@code klCoef[d] = ∂objective/∂KL_d} (KL_d being the batch mean of dimension d).
   */
  double evaluate(double recon, double[] klPerDim, long step, float[] klCoef);

  /** The KL weight in force at {@code step} (for logging). */
  double betaAt(long step);

  /**
   * The objective as {@code kernels/objective.cu} evaluates it, so a training step can run without the
   * host; empty for objectives without a device form (the trainer then evaluates them on the host,
   * which costs a round trip per step on CUDA).
   */
  default Optional<ObjectiveParams> deviceForm() {
    return Optional.empty();
  }

  /** One line saying what this objective is and its settings, for logs and config.json. */
  default String describe() {
    return toString();
  }

  /** The settings as a JSON-ready map with a {@code "kind"} entry, for config.json. */
  default Map<String, Object> settings() {
    return Map.of("kind", describe());
  }

  /** {@code recon + β·Σ_d KL_d}: the β-VAE objective (β = 1 is the plain VAE ELBO). */
  static Objective beta(double beta) {
    return new ScheduledBeta(BetaSchedule.constant(beta));
  }

  /** {@code recon + β(step)·Σ_d KL_d} with β following {@code schedule}. */
  static Objective scheduled(BetaSchedule schedule) {
    return new ScheduledBeta(schedule);
  }

  /** Free bits with floor {@code lambda} nats per dimension and a fixed β. */
  static Objective freeBits(double lambda, double beta) {
    return new FreeBits(lambda, BetaSchedule.constant(beta));
  }

  /** Free bits with floor {@code lambda} nats per dimension and β following {@code schedule}. */
  static Objective freeBits(double lambda, BetaSchedule schedule) {
    return new FreeBits(lambda, schedule);
  }

  /** {@code recon + γ·|KL − C(step)|} with C ramped linearly from 0 to {@code capacityMax} over {@code rampSteps}. */
  static Objective capacity(double gamma, double capacityMax, long rampSteps) {
    return new CapacityObjective(gamma, capacityMax, rampSteps);
  }
}
