package io.github.betavae.loss;

import io.github.betavae.backend.ObjectiveParams;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code recon + β(step)·Σ_d KL_d}: the β-VAE objective with β following a {@link BetaSchedule}
 * (constant, linear warm-up, or Fu et al. 2019's cyclical annealing). ∂objective/∂KL_d = β(step) for
 * every dimension.
 *
 * @param schedule β as a function of the step
 */
public record ScheduledBeta(BetaSchedule schedule) implements Objective {

  public ScheduledBeta {
    if (schedule == null) throw new IllegalArgumentException("scheduled β: expected a schedule but found null");
  }

  @Override
  public double evaluate(double recon, double[] klPerDim, long step, float[] klCoef) {
    Objectives.checkSizes("scheduled β", klPerDim, klCoef);
    double beta = schedule.at(step);
    double kl = 0;
    for (int d = 0; d < klPerDim.length; d++) {
      kl += klPerDim[d];
      klCoef[d] = (float) beta;
    }
    return recon + beta * kl;
  }

  @Override
  public double betaAt(long step) {
    return schedule.at(step);
  }

  @Override
  public Optional<ObjectiveParams> deviceForm() {
    return Optional.of(schedule.params(ObjectiveParams.BETA, 0));
  }

  @Override
  public String describe() {
    return "β-VAE, " + schedule.describe();
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "beta");
    m.put("schedule", schedule.settings());
    return m;
  }
}
