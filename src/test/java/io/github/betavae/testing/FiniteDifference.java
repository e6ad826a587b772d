package io.github.betavae.testing;

import java.util.function.ToDoubleFunction;

/** Central finite differences in double precision. */
public final class FiniteDifference {
  private FiniteDifference() {}

  /**
   * ∂f/∂p_i for every i by {@code (f(p + h·e_i) − f(p − h·e_i)) / 2h}, with h scaled to the size of
   * p_i. p is restored before returning.
   */
  public static double[] gradient(ToDoubleFunction<double[]> f, double[] p, double h) {
    double[] g = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      double keep = p[i];
      double step = h * Math.max(1, Math.abs(keep));
      p[i] = keep + step;
      double up = f.applyAsDouble(p);
      p[i] = keep - step;
      double down = f.applyAsDouble(p);
      p[i] = keep;
      g[i] = (up - down) / (2 * step);
    }
    return g;
  }
}
