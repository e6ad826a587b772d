package io.github.betavae.loss;

import io.github.betavae.backend.ObjectiveParams;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The controlled-capacity objective of Burgess et al. 2018 ("Understanding disentangling in β-VAE"):
 * {@code recon + γ·|KL − C(step)|}, with KL = Σ_d KL_d the total batch-mean KL and the target capacity
 * C ramped linearly, C(t) = C_max·min(1, t/rampSteps), so the code is allowed to carry more
 * information as training goes on.
 *
 * <p>Gradient: ∂objective/∂KL_d = γ·sign(KL − C) for every d, with sign(0) = 0 (the subgradient of
 * |·| at its minimum that leaves the KL where it is).
 *
 * <p>Defaults ({@link #dSprites()}): γ = 1000 and C_max = 25 nats, the values Burgess et al. 2018
 * report for dSprites, with C reaching C_max after 100,000 steps, the ramp length their dSprites
 * setting is commonly run with.
 *
 * @param gamma γ ≥ 0, the weight on the distance from the target
 * @param capacityMax C_max ≥ 0 in nats
 * @param rampSteps steps over which C rises from 0 to C_max (0: C = C_max from the start)
 */
public record CapacityObjective(double gamma, double capacityMax, long rampSteps) implements Objective {
  /** Burgess et al. 2018's γ for dSprites. */
  public static final double DEFAULT_GAMMA = 1000;
  /** Burgess et al. 2018's final capacity for dSprites, in nats. */
  public static final double DEFAULT_CAPACITY = 25;
  /** Steps over which C reaches its final value. */
  public static final long DEFAULT_RAMP_STEPS = 100_000;

  public CapacityObjective {
    if (!(gamma >= 0) || Double.isInfinite(gamma)) {
      throw new IllegalArgumentException("capacity objective: expected γ finite and ≥ 0 but found " + gamma);
    }
    if (!(capacityMax >= 0) || Double.isInfinite(capacityMax)) {
      throw new IllegalArgumentException("capacity objective: expected C_max finite and ≥ 0 but found " + capacityMax);
    }
    if (rampSteps < 0) {
      throw new IllegalArgumentException("capacity objective: expected ramp steps ≥ 0 but found " + rampSteps);
    }
  }

  /** γ = 1000, C_max = 25 nats, ramp over 100,000 steps. */
  public static CapacityObjective dSprites() {
    return new CapacityObjective(DEFAULT_GAMMA, DEFAULT_CAPACITY, DEFAULT_RAMP_STEPS);
  }

  /** The target capacity C at {@code step}, in nats. */
  public double capacity(long step) {
    if (step >= rampSteps) return capacityMax;
    return capacityMax * ((double) Math.max(0, step) / rampSteps);
  }

  @Override
  public double evaluate(double recon, double[] klPerDim, long step, float[] klCoef) {
    Objectives.checkSizes("capacity objective", klPerDim, klCoef);
    double kl = 0;
    for (double k : klPerDim) kl += k;
    double gap = kl - capacity(step);
    float coef = (float) (gamma * Math.signum(gap));
    for (int d = 0; d < klCoef.length; d++) klCoef[d] = coef;
    return recon + gamma * Math.abs(gap);
  }

  /** γ, the magnitude of the KL weight (its sign follows KL − C). */
  @Override
  public double betaAt(long step) {
    return gamma;
  }

  @Override
  public Optional<ObjectiveParams> deviceForm() {
    return Optional.of(new ObjectiveParams(ObjectiveParams.CAPACITY, ObjectiveParams.CONSTANT, gamma, 0, 0, 0, 0, 0, capacityMax, rampSteps));
  }

  @Override
  public String describe() {
    return "capacity γ=" + BetaSchedule.fmt(gamma) + ", C 0 → " + BetaSchedule.fmt(capacityMax) + " nats over "
        + rampSteps + " steps";
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "capacity");
    m.put("gamma", gamma);
    m.put("capacityMax", capacityMax);
    m.put("rampSteps", rampSteps);
    return m;
  }
}
