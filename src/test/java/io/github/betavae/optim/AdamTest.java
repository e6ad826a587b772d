package io.github.betavae.optim;

import static io.github.betavae.testing.Compare.assertBitsEqual;
import static io.github.betavae.testing.Compare.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cpu.CpuBackend;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Adam and AdamW on the CPU backends against the update rule computed by hand in double. */
class AdamTest {
  private static final int N = 1000;
  private static final int STEPS = 6;

  /**
   * PyTorch's Adam/AdamW in double: the moments and parameters after step t, in place. With
   * {@code asFloat} the moment decay rates are the float values the backend op receives; the bias
   * corrections are computed from the double rates, as {@link Adam#step} does.
   */
  private static void referenceStep(double[] p, double[] g, double[] m, double[] v, int t, Adam.Config c, boolean asFloat) {
    double b1 = asFloat ? (float) c.beta1() : c.beta1(), b2 = asFloat ? (float) c.beta2() : c.beta2();
    double bc1 = 1 - Math.pow(c.beta1(), t), bc2 = 1 - Math.pow(c.beta2(), t);
    for (int i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= c.lr() * c.weightDecay() * p[i];
      p[i] -= c.lr() / bc1 * m[i] / (Math.sqrt(v[i] / bc2) + c.eps());
    }
  }

  @ParameterizedTest
  @CsvSource({
      "false, 0.001, 0.9, 0.999, 1e-8, 0.0",
      "true, 0.001, 0.9, 0.999, 1e-8, 0.0",
      "false, 0.01, 0.5, 0.99, 1e-6, 0.1",
      "true, 0.003, 0.8, 0.9, 1e-3, 0.05"})
  void matchesHandComputedUpdates(boolean naive, double lr, double b1, double b2, double eps, double wd) {
    Adam.Config cfg = new Adam.Config(lr, b1, b2, eps, wd);
    Random r = new Random(7);
    double[] p = new double[N], m = new double[N], v = new double[N];
    double[] pExact = new double[N], mExact = new double[N], vExact = new double[N];
    float[] pf = new float[N];
    for (int i = 0; i < N; i++) {
      pf[i] = (float) r.nextGaussian();
      p[i] = pf[i];
      pExact[i] = pf[i];
    }
    try (Backend be = naive ? CpuBackend.naive(1) : new CpuBackend(2)) {
      Buf params = be.alloc(N), grads = be.alloc(N);
      be.write(params, pf);
      Adam adam = new Adam(be, cfg, N);
      for (int t = 1; t <= STEPS; t++) {
        float[] gf = new float[N];
        double[] g = new double[N];
        for (int i = 0; i < N; i++) {
          // Gradients of both signs and very different sizes, some exactly zero.
          gf[i] = i % 10 == 0 ? 0f : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(5) - 3));
          g[i] = gf[i];
        }
        be.write(grads, gf);
        adam.step(params, grads);
        referenceStep(p, g, m, v, t, cfg, true);
        referenceStep(pExact, g, mExact, vExact, t, cfg, false);
        assertEquals(t, adam.steps());
        String what = "step " + t + " on " + be.name();
        assertClose(what + " parameters", p, read(be, params), 1e-6);
        assertClose(what + " first moments", m, read(be, adam.m()), 1e-6);
        assertClose(what + " second moments", v, read(be, adam.v()), 1e-6);
        // Against the rule with exact decay rates: float β2 = 0.999 makes 1 − β2 off by 1.3e-5
        // relative, which shows in v but shifts the parameters by far less.
        assertClose(what + " parameters, exact rates", pExact, read(be, params), 1e-6);
        assertClose(what + " second moments, exact rates", vExact, read(be, adam.v()), 2e-5);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"false", "true"})
  void firstStepMovesEachParameterByTheLearningRate(boolean naive) {
    // With m and v starting at zero, step one is p −= lr·g/(|g| + eps): a move of lr against the sign of g.
    try (Backend be = naive ? CpuBackend.naive(1) : new CpuBackend(2)) {
      Buf params = be.alloc(4), grads = be.alloc(4);
      be.write(params, new float[] {1f, 1f, 1f, 1f});
      be.write(grads, new float[] {0.5f, -3f, 0f, 1e-3f});
      new Adam(be, new Adam.Config(0.01, 0.9, 0.999, 1e-8, 0.0), 4).step(params, grads);
      float[] p = read(be, params);
      assertEquals(0.99f, p[0], 1e-6f);
      assertEquals(1.01f, p[1], 1e-6f);
      assertEquals(1f, p[2], 0f, "a zero gradient leaves the parameter alone");
      assertEquals(0.99f, p[3], 1e-5f);
    }
  }

  @ParameterizedTest
  @CsvSource({"false", "true"})
  void resumingFromSavedMomentsContinuesExactly(boolean naive) {
    Adam.Config cfg = new Adam.Config(0.01, 0.9, 0.999, 1e-8, 0.01);
    Random r = new Random(8);
    float[][] gs = new float[5][N];
    for (float[] g : gs) for (int i = 0; i < N; i++) g[i] = (float) r.nextGaussian();
    float[] p0 = new float[N];
    for (int i = 0; i < N; i++) p0[i] = (float) r.nextGaussian();
    try (Backend be = naive ? CpuBackend.naive(1) : new CpuBackend(2)) {
      Buf straight = be.alloc(N), resumed = be.alloc(N), g = be.alloc(N);
      be.write(straight, p0);
      Adam a = new Adam(be, cfg, N);
      for (int t = 0; t < 3; t++) {
        be.write(g, gs[t]);
        a.step(straight, g);
      }
      // A second optimizer restored from the first one's state after three steps.
      be.write(resumed, read(be, straight));
      Adam b = new Adam(be, cfg, N);
      be.write(b.m(), read(be, a.m()));
      be.write(b.v(), read(be, a.v()));
      b.setSteps(a.steps());
      for (int t = 3; t < 5; t++) {
        be.write(g, gs[t]);
        a.step(straight, g);
        b.step(resumed, g);
      }
      assertBitsEqual("resumed parameters", read(be, straight), read(be, resumed));
    }
  }

  @ParameterizedTest
  @CsvSource({"-1, 0.9, 0.999, 1e-8, 0, learning rate", "0.1, 1.0, 0.999, 1e-8, 0, beta1",
      "0.1, 0.9, 0.999, 0, 0, eps", "0.1, 0.9, 0.999, 1e-8, -1, weight decay"})
  void rejectsInvalidHyperParameters(double lr, double b1, double b2, double eps, double wd, String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Adam.Config(lr, b1, b2, eps, wd));
    assertEquals(true, e.getMessage().contains(name), e.getMessage());
  }

  private static float[] read(Backend be, Buf b) {
    float[] a = new float[(int) b.length()];
    be.read(b, a);
    return a;
  }
}
