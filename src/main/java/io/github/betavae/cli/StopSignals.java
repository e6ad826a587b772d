package io.github.betavae.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * SIGTERM and SIGINT during training (what Ctrl-C, a scheduler or a preempted machine sends): the
 * first one asks every registered listener (each training loop of the process, and a parallel sweep)
 * to stop at its next step boundary and save; a second one ends the process at once (exit 143 or
 * 130), leaving the last complete checkpoints as they were. The handlers are installed while at
 * least one listener is registered; when the last one {@link #close}s, the previous handlers come
 * back. One registry for the process, so runs trained side by side ({@code sweep --devices}) all
 * hear the signal, whatever order they start and finish in.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported, present in every JDK); where it is missing
 * the JVM's default handling stays (exit at once, the last periodic checkpoint kept).
 */
final class StopSignals implements AutoCloseable {
  private static final List<Consumer<String>> LISTENERS = new CopyOnWriteArrayList<>();
  private static final Map<String, Object> PREVIOUS = new HashMap<>();  // signal name → sun.misc.SignalHandler
  private static boolean seen;

  private Consumer<String> listener;

  private StopSignals(Consumer<String> listener) {
    this.listener = listener;
  }

  /** Routes the first SIGTERM/SIGINT to {@code onFirst} (with "SIGTERM" or "SIGINT"), with every other listener. */
  static synchronized StopSignals install(Consumer<String> onFirst) {
    if (LISTENERS.isEmpty()) {
      seen = false;
      for (String name : List.of("TERM", "INT")) {
        int code = name.equals("INT") ? 130 : 143;
        try {
          sun.misc.Signal sig = new sun.misc.Signal(name);
          PREVIOUS.put(name, sun.misc.Signal.handle(sig, x -> {
            synchronized (StopSignals.class) {
              if (seen) Runtime.getRuntime().halt(code); // a second signal: stop now
              seen = true;
            }
            for (Consumer<String> l : LISTENERS) l.accept("SIG" + name);
          }));
        } catch (IllegalArgumentException | LinkageError e) {
          // this platform or JVM does not let us handle the signal: its default stays
        }
      }
    }
    LISTENERS.add(onFirst);
    return new StopSignals(onFirst);
  }

  /**
   * What SIGTERM does, asked from inside the process (an embedding such as a Spark task being shut
   * down): every training loop of the process stops at its next step boundary and saves.
   */
  static void raise(String why) {
    for (Consumer<String> l : LISTENERS) l.accept(why);
  }

  @Override
  public void close() {
    synchronized (StopSignals.class) {
      if (listener == null) return;
      LISTENERS.remove(listener);
      listener = null;
      if (!LISTENERS.isEmpty()) return;
      for (Map.Entry<String, Object> e : PREVIOUS.entrySet()) {
        try {
          sun.misc.Signal.handle(new sun.misc.Signal(e.getKey()), (sun.misc.SignalHandler) e.getValue());
        } catch (IllegalArgumentException | LinkageError ex) {
          // as at install
        }
      }
      PREVIOUS.clear();
    }
  }
}
