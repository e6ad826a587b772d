package io.github.betavae.backend.cpu;

import static io.github.betavae.testing.Compare.assertClose;
import static io.github.betavae.testing.Compare.toDouble;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.testing.DoubleReference;
import io.github.betavae.testing.FiniteDifference;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gradients of every op, in two steps: the double-precision reference's analytic gradients are
 * checked by central differences, then both float backends (fast and naive) are held to those
 * analytic gradients within float tolerance.
 */
class OpGradientTest {
  /** Finite differences against analytic gradients, both in double. */
  private static final double FD_TOL = 1e-6;
  /** Float results against the double reference (norm-wise). */
  private static final double FLOAT_TOL = 1e-5;
  private static final double H = 1e-6;

  private static CpuBackend fast;
  private static CpuBackend naive;

  @BeforeAll
  static void start() {
    fast = new CpuBackend(2);
    naive = CpuBackend.naive(1);
  }

  @AfterAll
  static void stop() {
    fast.close();
    naive.close();
  }

  @Test
  void denseGradients() {
    Random r = new Random(20);
    int[][] shapes = {{3, 5, 4}, {2, 17, 9}, {1, 1, 3}};
    for (int[] s : shapes) {
      int b = s[0], in = s[1], out = s[2];
      float[] x = Ops.gaussian(r, b * in, 1), w = Ops.gaussian(r, out * in, 0.5), bias = Ops.gaussian(r, out, 0.5);
      float[] gy = Ops.gaussian(r, b * out, 1);
      double[] xd = toDouble(x), wd = toDouble(w), bd = toDouble(bias), gyd = toDouble(gy);
      for (Activation act : Activation.values()) {
        String what = "dense " + act + " (B,IN,OUT)=(" + b + "," + in + "," + out + ")";
        double[] y = DoubleReference.denseForward(xd, wd, bd, b, in, out, act);
        double[][] g = DoubleReference.denseBackward(gyd, y, xd, wd, b, in, out, act);
        // L = Σ gy ⊙ y as a function of each input in turn.
        assertClose(what + " dx: analytic vs finite differences", FiniteDifference.gradient(
            p -> dot(gyd, DoubleReference.denseForward(p, wd, bd, b, in, out, act)), xd.clone(), H), g[0], FD_TOL);
        assertClose(what + " dw: analytic vs finite differences", FiniteDifference.gradient(
            p -> dot(gyd, DoubleReference.denseForward(xd, p, bd, b, in, out, act)), wd.clone(), H), g[1], FD_TOL);
        assertClose(what + " db: analytic vs finite differences", FiniteDifference.gradient(
            p -> dot(gyd, DoubleReference.denseForward(xd, wd, p, b, in, out, act)), bd.clone(), H), g[2], FD_TOL);
        for (CpuBackend be : new CpuBackend[] {fast, naive}) {
          Ops ops = new Ops(be);
          float[] yf = ops.denseForward(x, w, bias, b, in, out, act);
          assertClose(what + " y on " + be.name(), y, yf, FLOAT_TOL);
          float[][] got = ops.denseBackward(new float[b * in], new float[out * in], new float[out], gy, yf, x, w, b, in, out, act);
          assertClose(what + " dx on " + be.name(), g[0], got[0], FLOAT_TOL);
          assertClose(what + " dw on " + be.name(), g[1], got[1], FLOAT_TOL);
          assertClose(what + " db on " + be.name(), g[2], got[2], FLOAT_TOL);
        }
      }
    }
  }

  @Test
  void reparamAndKlGradients() {
    Random r = new Random(21);
    int b = 3, z = 4;
    long seed = 123, step = 9;
    float[] stats = Ops.gaussian(r, 2 * b * z, 0.8), gz = Ops.gaussian(r, b * z, 1), coef = Ops.gaussian(r, z, 1);
    double[] sd = toDouble(stats), gzd = toDouble(gz), cd = toDouble(coef);
    double[] eps = DoubleReference.eps(seed, step, b, z);
    for (boolean sample : new boolean[] {true, false}) {
      double[] e = sample ? eps : null;
      for (boolean throughZ : new boolean[] {true, false}) {
        String what = "reparam sample=" + sample + (throughZ ? "" : " (dz null)");
        double[] g = throughZ ? gzd : null;
        // L = Σ gz ⊙ z + Σ_d coef_d · Σ_B KL_bd.
        double[] fd = FiniteDifference.gradient(p -> (g == null ? 0 : dot(g, DoubleReference.reparam(p, e, b, z)))
            + dot(cd, DoubleReference.klSum(p, b, z)), sd.clone(), H);
        double[] analytic = DoubleReference.reparamBackward(g, sd, e, cd, b, z);
        assertClose(what + ": analytic vs finite differences", fd, analytic, FD_TOL);
        for (CpuBackend be : new CpuBackend[] {fast, naive}) {
          Ops ops = new Ops(be);
          float[][] fwd = ops.reparamForward(stats, b, z, seed, step, sample);
          assertClose(what + " z on " + be.name(), DoubleReference.reparam(sd, e, b, z), fwd[0], FLOAT_TOL);
          assertClose(what + " klSum on " + be.name(), DoubleReference.klSum(sd, b, z), fwd[1], FLOAT_TOL);
          assertClose(what + " dstats on " + be.name(), analytic,
              ops.reparamBackward(throughZ ? gz : null, stats, coef, b, z, seed, step, sample), FLOAT_TOL);
        }
      }
    }
  }

  @Test
  void likelihoodGradients() {
    Random r = new Random(22);
    int b = 3, d = 7;
    float scale = 1f / 3;
    float[] logits = Ops.gaussian(r, b * d, 2);
    double[] ld = toDouble(logits);
    float[] binary = new float[b * d];
    for (int i = 0; i < binary.length; i++) binary[i] = r.nextBoolean() ? 1f : 0f;
    for (Likelihood kind : Likelihood.values()) {
      for (float[] x : new float[][] {binary, Ops.uniform(r, b * d, 0, 1)}) {
        double[] xd = toDouble(x);
        String what = "likelihood " + kind;
        double[] analytic = DoubleReference.likelihoodGrad(ld, xd, b, d, kind, scale);
        double[] fd = FiniteDifference.gradient(p -> scale * sum(DoubleReference.likelihood(p, xd, b, d, kind)), ld.clone(), H);
        assertClose(what + ": analytic vs finite differences", fd, analytic, FD_TOL);
        for (CpuBackend be : new CpuBackend[] {fast, naive}) {
          float[][] got = new Ops(be).likelihood(logits, x, b, d, kind, scale, true);
          assertClose(what + " loss on " + be.name(), DoubleReference.likelihood(ld, xd, b, d, kind), got[0], FLOAT_TOL);
          assertClose(what + " dlogits on " + be.name(), analytic, got[1], FLOAT_TOL);
        }
      }
    }
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  static double sum(double[] a) {
    double s = 0;
    for (double v : a) s += v;
    return s;
  }
}
