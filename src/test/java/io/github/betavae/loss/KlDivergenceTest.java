package io.github.betavae.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The closed-form Gaussian KL, ½(μ² + e^logvar − logvar − 1), as the backends compute it, against
 * values worked out by hand, and the objective built on it.
 */
class KlDivergenceTest {

  private static Backend backend(boolean naive) {
    return naive ? CpuBackend.naive(1) : new CpuBackend(2);
  }

  /** klSum (Z) for the given rows of [μ | logvar], with z = μ (no sampling). */
  private static float[] klSum(Backend be, float[][] rows, int latent, float[] zOut) {
    int b = rows.length;
    float[] stats = new float[2 * b * latent];
    for (int i = 0; i < b; i++) System.arraycopy(rows[i], 0, stats, i * 2 * latent, 2 * latent);
    Buf st = be.alloc(stats.length), z = be.alloc((long) b * latent), kl = be.alloc(latent);
    be.write(st, stats);
    be.reparamForward(z, kl, st, b, latent, 1, 0, false);
    be.read(z, zOut);
    float[] out = new float[latent];
    be.read(kl, out);
    return out;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void handComputedValues(boolean naive) {
    double ln2 = Math.log(2);
    try (Backend be = backend(naive)) {
      // One sample, four dimensions: (μ, logvar) = (0, 0), (1, 0), (0, ln 2), (−2, −1).
      float[] row = {0f, 1f, 0f, -2f, 0f, 0f, (float) ln2, -1f};
      float[] z = new float[4];
      float[] kl = klSum(be, new float[][] {row}, 4, z);
      assertEquals(0.0, kl[0], 0.0, "μ=0, logvar=0 is the prior itself");
      assertEquals(0.5, kl[1], 1e-7, "μ=1, logvar=0: ½μ²");
      assertEquals(0.5 * (2 - ln2 - 1), kl[2], 1e-7, "μ=0, logvar=ln 2: ½(2 − ln 2 − 1)");
      assertEquals(0.5 * (4 + Math.exp(-1) + 1 - 1), kl[3], 1e-6, "μ=−2, logvar=−1: ½(4 + e⁻¹ + 1 − 1)");
      assertArrayEquals(new float[] {0f, 1f, 0f, -2f}, z, "without sampling z is μ");
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void sumsOverTheBatchPerDimension(boolean naive) {
    try (Backend be = backend(naive)) {
      // Two samples, two dimensions: dimension 0 gets ½ + ½·(e − 1 − 1), dimension 1 gets 0 + 2.
      float[][] rows = {{1f, 0f, 0f, 0f}, {0f, 2f, 1f, 0f}};
      float[] kl = klSum(be, rows, 2, new float[4]);
      assertEquals(0.5 + 0.5 * (Math.E - 2), kl[0], 1e-6);
      assertEquals(2.0, kl[1], 1e-6);
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 1.0, 4.0, 250.0})
  void betaObjectiveWeighsTheKl(double beta) {
    Objective obj = Objective.beta(beta);
    float[] coef = new float[3];
    double value = obj.evaluate(10.0, new double[] {0.5, 0.25, 0.0}, 7, coef);
    assertEquals(10.0 + beta * 0.75, value, 1e-12);
    assertArrayEquals(new float[] {(float) beta, (float) beta, (float) beta}, coef);
    assertEquals(beta, obj.betaAt(123));
    assertEquals(obj.betaAt(0), obj.betaAt(1_000_000), "no schedule: β is the same at every step");
  }
}
