package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;

/**
 * Elementwise functions for the fast CPU paths. {@code Math.tanh} is not a compiler intrinsic on
 * Java 17 and costs several times a {@code Math.exp}; the decoder evaluates it for every hidden unit
 * of every sample, so the fast path computes it from one intrinsic exp in double precision instead.
 * Results agree with {@link Activation#apply} to within one float ulp.
 */
final class FastMath {
  private FastMath() {}

  /**
   * tanh(a) in float. In double, {@code 1 − 2/(e^{2a} + 1)} has an absolute error near 2⁻⁵³, i.e. a
   * relative error far below float resolution once |a| ≥ 2⁻¹⁰; below that the Taylor series
   * {@code a·(1 − a²/3)} is exact to double precision. Overflow of exp gives ±1 as it should.
   */
  static float tanh(float a) {
    double d = a;
    if (Math.abs(d) < 0x1p-10) return (float) (d * (1.0 - d * d * (1.0 / 3.0)));
    double e = Math.exp(2.0 * d);
    return (float) (1.0 - 2.0 / (e + 1.0));
  }

  /** The logistic function, computed exactly as {@link Activation#apply} does for SIGMOID. */
  static float sigmoid(float a) {
    return (float) (1.0 / (1.0 + Math.exp(-a)));
  }

  /**
   * row[j] = act(row[j] + bias[j]) for j &lt; n. One loop per activation so the cheap ones stay
   * vectorizable.
   */
  static void biasActivate(float[] row, float[] bias, int n, Activation act) {
    switch (act) {
      case IDENTITY:
        for (int j = 0; j < n; j++) row[j] = row[j] + bias[j];
        break;
      case RELU:
        for (int j = 0; j < n; j++) {
          float v = row[j] + bias[j];
          row[j] = v > 0f ? v : 0f;
        }
        break;
      case TANH:
        for (int j = 0; j < n; j++) row[j] = tanh(row[j] + bias[j]);
        break;
      case SIGMOID:
        for (int j = 0; j < n; j++) row[j] = sigmoid(row[j] + bias[j]);
        break;
      default:
        throw new IllegalArgumentException("dense forward: unsupported activation " + act);
    }
  }

  /** dy[dyo + i] *= act'(y[yo + i]) for i &lt; n, the derivative taken from the output. */
  static void scaleByDerivative(float[] dy, int dyo, float[] y, int yo, int n, Activation act) {
    switch (act) {
      case IDENTITY:
        break; // dy·1 = dy exactly
      case RELU:
        for (int i = 0; i < n; i++) dy[dyo + i] *= y[yo + i] > 0f ? 1f : 0f;
        break;
      case TANH:
        for (int i = 0; i < n; i++) {
          float v = y[yo + i];
          dy[dyo + i] *= 1f - v * v;
        }
        break;
      case SIGMOID:
        for (int i = 0; i < n; i++) {
          float v = y[yo + i];
          dy[dyo + i] *= v * (1f - v);
        }
        break;
      default:
        throw new IllegalArgumentException("dense backward: unsupported activation " + act);
    }
  }
}
