package io.github.betavae.loss;

import java.util.Map;

/**
 * Rebuilds an {@link Objective} or a {@link BetaSchedule} from its {@code settings()} map, as read back
 * from config.json, so that a resumed run optimizes exactly the objective it started with. Numbers may
 * arrive as any {@link Number} (JSON integers and doubles).
 */
public final class ObjectiveSettings {
  private ObjectiveSettings() {}

  /**
   * The objective whose {@link Objective#settings()} is {@code s}.
   *
   * @throws IllegalArgumentException for an unknown kind or a missing or mistyped entry
   */
  public static Objective objective(Map<String, ?> s) {
    String kind = kind(s, "objective");
    return switch (kind) {
      case "free-bits" -> new FreeBits(number(s, "lambda", kind), schedule(map(s, "schedule", kind)));
      case "capacity" -> new CapacityObjective(number(s, "gamma", kind), number(s, "capacityMax", kind),
          integer(s, "rampSteps", kind));
      case "beta" -> Objective.scheduled(schedule(map(s, "schedule", kind)));
      default -> throw new IllegalArgumentException("objective settings: expected kind beta, free-bits or capacity "
          + "but found " + kind);
    };
  }

  /** The schedule whose {@link BetaSchedule#settings()} is {@code s}. */
  public static BetaSchedule schedule(Map<String, ?> s) {
    String kind = kind(s, "β schedule");
    return switch (kind) {
      case "constant" -> BetaSchedule.constant(number(s, "beta", kind));
      case "warmup" -> BetaSchedule.warmup(number(s, "start", kind), number(s, "beta", kind), integer(s, "steps", kind));
      case "cyclical" -> BetaSchedule.cyclical(number(s, "beta", kind), integer(s, "totalSteps", kind),
          Math.toIntExact(integer(s, "cycles", kind)), number(s, "ratio", kind));
      default -> throw new IllegalArgumentException("β schedule settings: expected kind constant, warmup or cyclical "
          + "but found " + kind);
    };
  }

  private static String kind(Map<String, ?> s, String what) {
    if (s == null) throw new IllegalArgumentException(what + " settings: expected a map with a kind but found none");
    Object k = s.get("kind");
    if (!(k instanceof String str)) {
      throw new IllegalArgumentException(what + " settings: expected a string kind but found " + k);
    }
    return str;
  }

  private static double number(Map<String, ?> s, String key, String kind) {
    Object v = s.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(kind + " settings: expected a number " + key + " but found " + v);
    }
    return n.doubleValue();
  }

  private static long integer(Map<String, ?> s, String key, String kind) {
    double v = number(s, key, kind);
    if (v != Math.rint(v) || Math.abs(v) > (1L << 53)) {
      throw new IllegalArgumentException(kind + " settings: expected an integer " + key + " but found " + v);
    }
    return (long) v;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> map(Map<String, ?> s, String key, String kind) {
    Object v = s.get(key);
    if (!(v instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(kind + " settings: expected a map " + key + " but found " + v);
    }
    return (Map<String, ?>) m;
  }
}
