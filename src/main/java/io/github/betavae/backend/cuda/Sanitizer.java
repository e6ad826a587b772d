package io.github.betavae.backend.cuda;

import java.util.Locale;

/**
 * What the host-execution harness checks beyond running the kernels, chosen by the system property
 * {@value #PROPERTY} ({@code all}, {@code none}, or a comma-separated list of {@code memcheck},
 * {@code initcheck}, {@code racecheck}, {@code synccheck}; default {@code none}), in the spirit of
 * NVIDIA's compute-sanitizer tools of the same names:
 *
 * <ul>
 *   <li>memcheck: each allocation sits flush against a PROT_NONE guard page (running past its end
 *       faults at once and the JVM's crash report names the kernel's frame), with canaries before it
 *       and in its alignment slack that are checked after every launch that was given it; every
 *       pointer argument of a launch and every copy or memset range must lie in one live allocation.</li>
 *   <li>initcheck: fresh allocations hold a poison pattern ({@link #fill}, a NaN payload by default)
 *       instead of zeros, so a kernel that reads what nobody wrote shows it in its output; running the
 *       same work under two patterns and comparing finds such a read even where NaN would vanish.</li>
 *   <li>racecheck: between barriers a block's threads run in a seeded random order ({@link #scheduleSeed}),
 *       so a result that depends on the order between barriers changes with the seed.</li>
 *   <li>synccheck: the threads a {@code __syncthreads} releases must all wait at the same one, and a
 *       warp intrinsic's member mask must name exactly the lanes that meet there.</li>
 * </ul>
 *
 * @param memcheck guard pages, canaries and range checks
 * @param initcheck poisoned fresh allocations
 * @param racecheck seeded random thread order between barriers
 * @param synccheck barrier and shuffle-mask convergence
 * @param fill the 32-bit poison pattern of initcheck
 * @param scheduleSeed the racecheck schedule seed
 */
public record Sanitizer(boolean memcheck, boolean initcheck, boolean racecheck, boolean synccheck, int fill,
                        long scheduleSeed) {
  /** The system property that selects the checks. */
  public static final String PROPERTY = "betavae.sanitize";
  /** A quiet NaN with a recognisable payload: the default poison. */
  public static final int NAN_POISON = 0x7fc0dead;
  /** A finite poison (−1.7e+38, a huge negative float), for the second initcheck run. */
  public static final int FINITE_POISON = 0xff000bad;
  /** No checks: zero-filled allocations and the fixed thread order. */
  public static final Sanitizer NONE = new Sanitizer(false, false, false, false, 0, 0);
  /** Every check, NaN poison, schedule seed 1. */
  public static final Sanitizer ALL = new Sanitizer(true, true, true, true, NAN_POISON, 1);

  /** The checks named by {@value #PROPERTY}; IllegalArgumentException for an unknown name. */
  public static Sanitizer fromSystemProperty() {
    return parse(System.getProperty(PROPERTY, "none"));
  }

  /** Parses all, none, or a comma-separated list of check names. */
  public static Sanitizer parse(String spec) {
    boolean mem = false, init = false, race = false, sync = false;
    for (String part : spec.toLowerCase(Locale.ROOT).split(",")) {
      switch (part.strip()) {
        case "all" -> mem = init = race = sync = true;
        case "none", "" -> { }
        case "memcheck" -> mem = true;
        case "initcheck" -> init = true;
        case "racecheck" -> race = true;
        case "synccheck" -> sync = true;
        default -> throw new IllegalArgumentException("-D" + PROPERTY + ": expected all, none or a comma-separated list of "
            + "memcheck, initcheck, racecheck, synccheck but found '" + spec + "'");
      }
    }
    return new Sanitizer(mem, init, race, sync, NAN_POISON, 1);
  }

  /** The same checks with another poison pattern. */
  public Sanitizer withFill(int pattern) {
    return new Sanitizer(memcheck, initcheck, racecheck, synccheck, pattern, scheduleSeed);
  }

  /** The same checks with another schedule seed. */
  public Sanitizer withScheduleSeed(long seed) {
    return new Sanitizer(memcheck, initcheck, racecheck, synccheck, fill, seed);
  }

  int flags() {
    return (memcheck ? 1 : 0) | (initcheck ? 2 : 0) | (racecheck ? 4 : 0) | (synccheck ? 8 : 0);
  }

  /** For messages: "memcheck, initcheck" or "none". */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    if (memcheck) sb.append("memcheck");
    if (initcheck) sb.append(sb.length() > 0 ? ", " : "").append("initcheck");
    if (racecheck) sb.append(sb.length() > 0 ? ", " : "").append("racecheck");
    if (synccheck) sb.append(sb.length() > 0 ? ", " : "").append("synccheck");
    return sb.length() == 0 ? "none" : sb.toString();
  }
}
