package io.github.betavae.loss;

import io.github.betavae.backend.ObjectiveParams;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Free bits (Kingma et al. 2016, "Improved variational inference with inverse autoregressive flow"),
 * with one group per latent dimension: {@code recon + β(step)·Σ_d max(λ, KL_d)}, KL_d being the
 * batch-mean KL of dimension d. A dimension whose KL is at or below the floor λ pays the constant
 * β·λ and gets no gradient, so the optimiser has no incentive to push it further towards the prior.
 *
 * <p>Gradient: ∂objective/∂KL_d = β(step) where KL_d &gt; λ, else 0. At KL_d = λ exactly the floor is
 * taken as active (coefficient 0), the right-hand derivative of max being β and the left-hand 0.
 *
 * @param lambda λ ≥ 0, the per-dimension floor in nats (λ = 0 gives back the plain β objective for
 *     non-negative KL, except that a dimension with KL exactly 0 gets coefficient 0)
 * @param beta β as a function of the step (use {@link BetaSchedule#constant} for a fixed β)
 */
public record FreeBits(double lambda, BetaSchedule beta) implements Objective {

  public FreeBits {
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("free bits: expected λ finite and ≥ 0 but found " + lambda);
    }
    if (beta == null) throw new IllegalArgumentException("free bits: expected a β schedule but found null");
  }

  @Override
  public double evaluate(double recon, double[] klPerDim, long step, float[] klCoef) {
    Objectives.checkSizes("free bits", klPerDim, klCoef);
    double b = beta.at(step);
    double floored = 0;
    for (int d = 0; d < klPerDim.length; d++) {
      boolean above = klPerDim[d] > lambda;
      floored += above ? klPerDim[d] : lambda;
      klCoef[d] = above ? (float) b : 0f;
    }
    return recon + b * floored;
  }

  @Override
  public double betaAt(long step) {
    return beta.at(step);
  }

  @Override
  public Optional<ObjectiveParams> deviceForm() {
    return Optional.of(beta.params(ObjectiveParams.FREE_BITS, lambda));
  }

  @Override
  public String describe() {
    return "free bits λ=" + BetaSchedule.fmt(lambda) + " nats/dim, " + beta.describe();
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "free-bits");
    m.put("lambda", lambda);
    m.put("schedule", beta.settings());
    return m;
  }
}
