package io.github.betavae.loss;

import io.github.betavae.backend.ObjectiveParams;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The KL weight β as a function of the training step. Steps count from 0, the value the trainer passes
 * to {@link Objective#evaluate} for its first update.
 *
 * <p>Three shapes:
 * <ul>
 *   <li>{@link Constant}: β at every step.</li>
 *   <li>{@link Warmup}: linear from {@code start} at step 0 to {@code beta} at step {@code steps}, then
 *       {@code beta} (Bowman et al. 2016's KL annealing; {@code start = 0} is the usual choice).</li>
 *   <li>{@link Cyclical}: Fu et al. 2019's cyclical annealing. The first {@code totalSteps} steps are cut
 *       into {@code cycles} equal cycles; within each, β rises linearly from 0 over the first {@code
 *       ratio} of the cycle and then stays at {@code beta}. From {@code totalSteps} on, β stays at
 *       {@code beta}.</li>
 * </ul>
 */
public sealed interface BetaSchedule permits BetaSchedule.Constant, BetaSchedule.Warmup, BetaSchedule.Cyclical {

  /** β at training step {@code step} (≥ 0). */
  double at(long step);

  /**
   * The schedule's part of an {@link ObjectiveParams} of kind {@code kind}, with the objective's own
   * numbers (λ for free bits) filled in.
   */
  default ObjectiveParams params(int kind, double lambda) {
    if (this instanceof Warmup w) {
      return new ObjectiveParams(kind, ObjectiveParams.WARMUP, w.beta(), w.start(), w.steps(), 0, 0, lambda, 0, 0);
    }
    if (this instanceof Cyclical c) {
      return new ObjectiveParams(kind, ObjectiveParams.CYCLICAL, c.beta(), 0, c.totalSteps(), c.cycles(), c.ratio(), lambda, 0, 0);
    }
    return new ObjectiveParams(kind, ObjectiveParams.CONSTANT, ((Constant) this).beta(), 0, 0, 0, 0, lambda, 0, 0);
  }

  /** One line for logs and config.json, e.g. {@code "warmup 0 → 4 over 10000 steps"}. */
  String describe();

  /** The settings as a JSON-ready map with a {@code "kind"} entry. */
  Map<String, Object> settings();

  /** β fixed at {@code beta}. */
  static BetaSchedule constant(double beta) {
    return new Constant(beta);
  }

  /** β from 0 to {@code beta} linearly over {@code steps} steps. */
  static BetaSchedule warmup(double beta, long steps) {
    return new Warmup(0, beta, steps);
  }

  /** β from {@code start} to {@code beta} linearly over {@code steps} steps. */
  static BetaSchedule warmup(double start, double beta, long steps) {
    return new Warmup(start, beta, steps);
  }

  /** Cyclical annealing with the paper's default ratio {@value Cyclical#DEFAULT_RATIO}. */
  static BetaSchedule cyclical(double beta, long totalSteps, int cycles) {
    return new Cyclical(beta, totalSteps, cycles, Cyclical.DEFAULT_RATIO);
  }

  /** Cyclical annealing: {@code cycles} cycles over {@code totalSteps}, rising over {@code ratio} of each. */
  static BetaSchedule cyclical(double beta, long totalSteps, int cycles, double ratio) {
    return new Cyclical(beta, totalSteps, cycles, ratio);
  }

  /** β fixed at {@code beta} (≥ 0, finite). */
  record Constant(double beta) implements BetaSchedule {
    public Constant {
      checkWeight("constant schedule", "beta", beta);
    }

    @Override
    public double at(long step) {
      return beta;
    }

    @Override
    public String describe() {
      return "constant β=" + fmt(beta);
    }

    @Override
    public Map<String, Object> settings() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", "constant");
      m.put("beta", beta);
      return m;
    }
  }

  /**
   * β(t) = start + (beta − start)·min(1, t/steps); {@code steps = 0} means β = {@code beta} from the
   * first step.
   */
  record Warmup(double start, double beta, long steps) implements BetaSchedule {
    public Warmup {
      checkWeight("warm-up schedule", "start", start);
      checkWeight("warm-up schedule", "beta", beta);
      if (steps < 0) {
        throw new IllegalArgumentException("warm-up schedule: expected steps ≥ 0 but found " + steps);
      }
    }

    @Override
    public double at(long step) {
      if (step >= steps) return beta;
      return start + (beta - start) * ((double) Math.max(0, step) / steps);
    }

    @Override
    public String describe() {
      return "warmup β " + fmt(start) + " → " + fmt(beta) + " over " + steps + " steps";
    }

    @Override
    public Map<String, Object> settings() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", "warmup");
      m.put("start", start);
      m.put("beta", beta);
      m.put("steps", steps);
      return m;
    }
  }

  /**
   * Fu et al. 2019's cyclical schedule. With τ(t) = (t·M mod T)/T the position of step t in its cycle
   * (a fraction in [0, 1), computed exactly in integers), β(t) = beta·min(1, τ/ratio) for t &lt; T and
   * β(t) = beta after. Cycle c holds the steps with ⌊t·M/T⌋ = c; where M divides T its first step,
   * c·T/M, has β = 0 exactly.
   *
   * @param beta the plateau value
   * @param totalSteps T, the steps the cycles cover (≥ cycles)
   * @param cycles M ≥ 1 (the paper uses 4)
   * @param ratio R in (0, 1], the fraction of a cycle spent rising (the paper uses 0.5)
   */
  record Cyclical(double beta, long totalSteps, int cycles, double ratio) implements BetaSchedule {
    /** Fu et al. 2019's R. */
    public static final double DEFAULT_RATIO = 0.5;

    public Cyclical {
      checkWeight("cyclical schedule", "beta", beta);
      if (cycles < 1) {
        throw new IllegalArgumentException("cyclical schedule: expected cycles ≥ 1 but found " + cycles);
      }
      if (totalSteps < cycles) {
        throw new IllegalArgumentException("cyclical schedule: expected total steps ≥ cycles (" + cycles
            + ") but found " + totalSteps);
      }
      if (!(ratio > 0 && ratio <= 1)) {
        throw new IllegalArgumentException("cyclical schedule: expected ratio in (0, 1] but found " + ratio);
      }
    }

    @Override
    public double at(long step) {
      if (step >= totalSteps) return beta;
      long t = Math.max(0, step);
      // t·M < T·M fits in a long for any T below 2^63 / M; the remainder gives the in-cycle position exactly.
      long pos = Math.multiplyExact(t, (long) cycles) % totalSteps;
      double tau = (double) pos / totalSteps;
      return beta * Math.min(1.0, tau / ratio);
    }

    @Override
    public String describe() {
      return "cyclical β 0 → " + fmt(beta) + ", " + cycles + " cycles over " + totalSteps + " steps, rising over "
          + fmt(ratio) + " of each";
    }

    @Override
    public Map<String, Object> settings() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", "cyclical");
      m.put("beta", beta);
      m.put("totalSteps", totalSteps);
      m.put("cycles", cycles);
      m.put("ratio", ratio);
      return m;
    }
  }

  private static void checkWeight(String what, String name, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + ": expected " + name + " finite and ≥ 0 but found " + v);
    }
  }

  /** Shortest form of a double for one-line descriptions: 4 not 4.0, 0.5 as is. */
  static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    return Double.toString(v);
  }
}
