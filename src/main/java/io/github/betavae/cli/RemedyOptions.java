package io.github.betavae.cli;

import io.github.betavae.loss.BetaSchedule;
import io.github.betavae.loss.CapacityObjective;
import io.github.betavae.loss.Objective;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The {@code train} options that choose the objective (DESIGN §7's remedies for posterior collapse):
 * a β schedule, free bits or the capacity objective. They are fixed by a run's config.json, so they
 * are refused together with {@code --resume}.
 */
final class RemedyOptions {
  /** Every flag of this class, for the {@code --resume} check. */
  static final List<String> FLAGS = List.of("--beta-schedule", "--warmup-steps", "--cycles", "--cycle-ratio",
      "--free-bits", "--capacity", "--gamma", "--capacity-steps");

  @Option(names = "--beta-schedule", paramLabel = "KIND", description = {"constant: β at every step;",
      "warmup: β rises linearly from 0 over --warmup-steps (KL annealing, Bowman et al. 2016);",
      "cyclical: Fu et al. 2019's annealing, --cycles cycles over the run, β rising over --cycle-ratio of each"})
  String betaSchedule = "constant";

  @Option(names = "--warmup-steps", paramLabel = "N", description = "steps of the linear β warm-up (default: half of the run)")
  Long warmupSteps;

  @Option(names = "--cycles", paramLabel = "M", description = "cycles of the cyclical schedule (Fu et al. 2019 use 4)")
  int cycles = 4;

  @Option(names = "--cycle-ratio", paramLabel = "R", description = "fraction of each cycle during which β rises from 0 (Fu et al. 2019 use 0.5)")
  double cycleRatio = BetaSchedule.Cyclical.DEFAULT_RATIO;

  @Option(names = "--free-bits", paramLabel = "λ", description = {"free bits (Kingma et al. 2016): each latent dimension pays at least λ nats",
      "of KL and gets no gradient below it, so no dimension is pushed all the way to the prior"})
  Double freeBits;

  @Option(names = "--capacity", paramLabel = "C_MAX", description = {"capacity objective (Burgess et al. 2018): recon + γ·|KL − C|, the target C",
      "rising linearly from 0 to C_MAX nats over --capacity-steps; replaces β and its schedule"})
  Double capacity;

  @Option(names = "--gamma", paramLabel = "γ", description = "weight of |KL − C| in the capacity objective")
  double gamma = CapacityObjective.DEFAULT_GAMMA;

  @Option(names = "--capacity-steps", paramLabel = "N", description = "steps over which C reaches C_MAX (default: the whole run)")
  Long capacitySteps;

  /** Refuses any of these flags next to {@code --resume}. */
  static void refuseWithResume(ParseResult parsed) {
    for (String flag : FLAGS) {
      if (parsed.hasMatchedOption(flag)) {
        throw new IllegalArgumentException(flag + " cannot be given with --resume: the run's config.json fixes the objective");
      }
    }
  }

  /**
   * The objective these flags describe for a run of {@code totalSteps} steps with KL weight {@code beta}.
   *
   * @throws IllegalArgumentException naming the flag, for a bad value or combination
   */
  Objective build(double beta, long totalSteps, ParseResult parsed) {
    String kind = betaSchedule.toLowerCase(Locale.ROOT);
    if (!List.of("constant", "warmup", "cyclical").contains(kind)) {
      throw new IllegalArgumentException("--beta-schedule: expected constant, warmup or cyclical but found " + betaSchedule);
    }
    if (warmupSteps != null && !kind.equals("warmup")) {
      throw new IllegalArgumentException("--warmup-steps needs --beta-schedule warmup but the schedule is " + kind);
    }
    for (String f : List.of("--cycles", "--cycle-ratio")) {
      if (parsed.hasMatchedOption(f) && !kind.equals("cyclical")) {
        throw new IllegalArgumentException(f + " needs --beta-schedule cyclical but the schedule is " + kind);
      }
    }
    if (warmupSteps != null && warmupSteps < 0) throw new IllegalArgumentException("--warmup-steps must be ≥ 0 but was " + warmupSteps);
    if (cycles < 1) throw new IllegalArgumentException("--cycles must be ≥ 1 but was " + cycles);
    if (kind.equals("cyclical") && cycles > totalSteps) {
      throw new IllegalArgumentException("--cycles " + cycles + " needs at least as many steps but the run has " + totalSteps);
    }
    if (!(cycleRatio > 0 && cycleRatio <= 1)) throw new IllegalArgumentException("--cycle-ratio must be in (0, 1] but was " + cycleRatio);
    if (freeBits != null && (!(freeBits >= 0) || freeBits.isInfinite())) {
      throw new IllegalArgumentException("--free-bits must be a finite number ≥ 0 but was " + freeBits);
    }
    if (capacity != null || parsed.hasMatchedOption("--gamma") || capacitySteps != null) {
      if (capacity == null) throw new IllegalArgumentException("--gamma and --capacity-steps need --capacity C_MAX");
      if (freeBits != null) throw new IllegalArgumentException("--capacity cannot be combined with --free-bits: choose one remedy");
      if (!kind.equals("constant")) {
        throw new IllegalArgumentException("--capacity replaces β, so it cannot be combined with --beta-schedule " + kind);
      }
      if (!(capacity >= 0) || capacity.isInfinite()) throw new IllegalArgumentException("--capacity must be a finite number ≥ 0 but was " + capacity);
      if (!(gamma >= 0) || Double.isInfinite(gamma)) throw new IllegalArgumentException("--gamma must be a finite number ≥ 0 but was " + gamma);
      if (capacitySteps != null && capacitySteps < 0) throw new IllegalArgumentException("--capacity-steps must be ≥ 0 but was " + capacitySteps);
      return Objective.capacity(gamma, capacity, capacitySteps != null ? capacitySteps : totalSteps);
    }
    BetaSchedule schedule = switch (kind) {
      case "warmup" -> BetaSchedule.warmup(beta, warmupSteps != null ? warmupSteps : totalSteps / 2);
      case "cyclical" -> BetaSchedule.cyclical(beta, totalSteps, cycles, cycleRatio);
      default -> BetaSchedule.constant(beta);
    };
    return freeBits != null ? Objective.freeBits(freeBits, schedule) : Objective.scheduled(schedule);
  }

  /** The config.json type name of an objective: its settings' kind (beta, free-bits or capacity). */
  static String typeOf(Objective o) {
    return String.valueOf(o.settings().get("kind"));
  }
}
