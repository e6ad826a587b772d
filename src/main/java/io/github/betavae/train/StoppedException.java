package io.github.betavae.train;

/**
 * Training stopped on request (a signal) at a step boundary, after its checkpoint was saved. Exit
 * code 128 + the signal number, as a shell reports a process ended by that signal: 143 for SIGTERM,
 * 130 for SIGINT.
 */
public final class StoppedException extends RuntimeException {
  private final String signal;
  private final long stepsDone;

  public StoppedException(String signal, long stepsDone, String message) {
    super(message);
    this.signal = signal;
    this.stepsDone = stepsDone;
  }

  /** "SIGTERM" or "SIGINT". */
  public String signal() {
    return signal;
  }

  /** Updates done and saved. */
  public long stepsDone() {
    return stepsDone;
  }

  /** 143 for SIGTERM, 130 for SIGINT, 143 for anything else. */
  public int exitCode() {
    return "SIGINT".equals(signal) ? 130 : 143;
  }
}
