package io.github.betavae.train;

/**
 * Training met a NaN or an infinity: in the loss, or in the gradient of a named parameter tensor.
 * Thrown before the bad update is applied, so the model, the optimizer and every checkpoint written
 * so far hold the last good state.
 */
public final class NonFiniteException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long step;

  /** @param step the 1-based step whose batch produced the value, as in metrics.csv */
  public NonFiniteException(String message, long step) {
    super(message);
    this.step = step;
  }

  /** The 1-based step whose batch produced the non-finite value. */
  public long step() {
    return step;
  }
}
