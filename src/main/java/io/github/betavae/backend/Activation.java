package io.github.betavae.backend;

/**
 * Activations fused into dense layers. Each derivative is computed from the layer's <em>output</em>
 * y = f(a), so the backward pass never needs the pre-activation a.
 */
public enum Activation {
  IDENTITY,
  RELU,
  TANH,
  SIGMOID;

  /** f(a). */
  public float apply(float a) {
    switch (this) {
      case RELU: return a > 0f ? a : 0f;
      case TANH: return (float) Math.tanh(a);
      case SIGMOID: return (float) (1.0 / (1.0 + Math.exp(-a)));
      default: return a;
    }
  }

  /** f'(a) expressed through y = f(a). ReLU's derivative at 0 is taken as 0, as in PyTorch. */
  public float derivFromOutput(float y) {
    switch (this) {
      case RELU: return y > 0f ? 1f : 0f;
      case TANH: return 1f - y * y;
      case SIGMOID: return y * (1f - y);
      default: return 1f;
    }
  }

  /** Lower-case name as used on the command line and in config.json. */
  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Parses a case-insensitive name ("relu", "tanh", "sigmoid", "identity"/"linear"). */
  public static Activation parse(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("linear") || t.equals("none")) return IDENTITY;
    for (Activation a : values()) if (a.id().equals(t)) return a;
    throw new IllegalArgumentException("unknown activation '" + s + "': expected relu, tanh, sigmoid or identity");
  }
}
