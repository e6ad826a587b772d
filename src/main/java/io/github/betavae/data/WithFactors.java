package io.github.betavae.data;

import java.util.Optional;

/** A dataset read from a file with ground-truth factors read from beside it (another entry or file). */
final class WithFactors implements Dataset {
  private final Dataset data;
  private final Factors factors;
  private final String description;

  WithFactors(Dataset data, Factors factors, String description) {
    this.data = data;
    this.factors = factors;
    this.description = description;
  }

  /** The samples without the factors. */
  Dataset data() {
    return data;
  }

  @Override
  public int size() {
    return data.size();
  }

  @Override
  public int features() {
    return data.features();
  }

  @Override
  public void copy(int index, float[] dst, int off) {
    data.copy(index, dst, off);
  }

  @Override
  public Optional<Factors> factors() {
    return Optional.of(factors);
  }

  @Override
  public String describe() {
    return description;
  }
}
