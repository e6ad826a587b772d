package io.github.betavae.data;

import java.util.Optional;

/**
 * N samples of D features each, read one sample at a time so that large sets (the full 737,280-image
 * dSprites, memory-mapped files) never need to sit in memory as floats.
 */
public interface Dataset {

  /** N, the number of samples. */
  int size();

  /** D, features per sample. */
  int features();

  /** Writes sample {@code index}'s D features, as floats ready for the model, to {@code dst[off .. off+D)}. */
  void copy(int index, float[] dst, int off);

  /** Ground-truth generative factors, where the data has them (dSprites). */
  default Optional<Factors> factors() {
    return Optional.empty();
  }

  /** One line saying what this is ("dSprites (built-in), 737280 × 4096"). */
  String describe();
}
