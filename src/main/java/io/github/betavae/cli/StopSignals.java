package io.github.betavae.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * SIGTERM and SIGINT during training (what Ctrl-C, a scheduler or a preempted machine sends): the
 * first one asks the trainer to stop at the next step boundary and save; a second one ends the
 * process at once (exit 143 or 130), leaving the last complete checkpoint as it was. Installed for
 * the training loop only; {@link #close} puts the previous handlers back.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported, present in every JDK); where it is missing
 * the JVM's default handling stays (exit at once, the last periodic checkpoint kept).
 */
final class StopSignals implements AutoCloseable {
  private final List<Runnable> restore = new ArrayList<>();

  private StopSignals() {}

  /** Routes the first SIGTERM/SIGINT to {@code onFirst} (with "SIGTERM" or "SIGINT"). */
  static StopSignals install(Consumer<String> onFirst) {
    StopSignals s = new StopSignals();
    boolean[] seen = {false};
    for (String name : List.of("TERM", "INT")) {
      int code = name.equals("INT") ? 130 : 143;
      try {
        sun.misc.Signal sig = new sun.misc.Signal(name);
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(sig, x -> {
          synchronized (seen) {
            if (seen[0]) Runtime.getRuntime().halt(code); // a second signal: stop now
            seen[0] = true;
          }
          onFirst.accept("SIG" + name);
        });
        s.restore.add(() -> sun.misc.Signal.handle(sig, previous));
      } catch (IllegalArgumentException | LinkageError e) {
        // this platform or JVM does not let us handle the signal: its default stays
      }
    }
    return s;
  }

  @Override
  public void close() {
    for (Runnable r : restore) r.run();
    restore.clear();
  }
}
