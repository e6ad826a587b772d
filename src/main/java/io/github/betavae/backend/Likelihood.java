package io.github.betavae.backend;

/**
 * Reconstruction likelihoods. Losses are summed over the D features of a sample (nats per sample for
 * Bernoulli, the scale β is defined against in the literature).
 */
public enum Likelihood {
  /** Bernoulli with logits l: {@code softplus(l) − x·l}; gradient {@code σ(l) − x}. */
  BERNOULLI,
  /**
   * Gaussian with unit-free squared error {@code (x − x̂)²}; gradient {@code 2(x̂ − x)}. This is
   * −log N(x; x̂, ½) up to the constant ½·log π per feature.
   */
  GAUSSIAN;

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Likelihood parse(String s) {
    for (Likelihood l : values()) if (l.id().equalsIgnoreCase(s.trim())) return l;
    throw new IllegalArgumentException("unknown likelihood '" + s + "': expected bernoulli or gaussian");
  }
}
