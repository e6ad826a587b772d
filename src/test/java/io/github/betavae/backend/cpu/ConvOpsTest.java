package io.github.betavae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Conv2d;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Convolutions on the CPU: the engine's ops against an independent double-precision reference
 * written from PyTorch's definitions (the transposed convolution as a scatter, where the engine
 * gathers), their gradients against central finite differences of that reference, and the
 * multi-threaded path against the single-threaded one bit for bit, at awkward sizes.
 */
public class ConvOpsTest {

  /**
   * Odd and even sizes, one to six channels, batch 1 to 3, strides 1–3, paddings 0–2, kernels 1–4;
   * the last two have more wide-side channels than {@code ConvGemm} computes directly.
   */
  public static List<Conv2d> shapes() {
    List<Conv2d> l = new ArrayList<>();
    l.add(Conv2d.conv(1, 1, 7, 5, 2, 3, 1, 1));
    l.add(Conv2d.conv(3, 3, 9, 9, 4, 4, 2, 1));
    l.add(Conv2d.conv(2, 3, 8, 6, 5, 2, 2, 0));
    l.add(Conv2d.conv(1, 2, 11, 7, 3, 3, 3, 2));
    l.add(Conv2d.conv(3, 1, 5, 5, 1, 1, 1, 0));
    l.add(Conv2d.transposed(1, 1, 3, 5, 2, 4, 2, 1));
    l.add(Conv2d.transposed(3, 3, 4, 4, 3, 4, 2, 1));
    l.add(Conv2d.transposed(2, 2, 5, 3, 1, 3, 1, 0));
    l.add(Conv2d.transposed(1, 3, 3, 3, 2, 3, 3, 2));
    l.add(Conv2d.transposed(3, 1, 2, 4, 3, 2, 2, 0));
    // more than ConvGemm.DIRECT_MAX_CHANNELS channels on the wide side: the gathered-product path
    l.add(Conv2d.conv(2, 6, 7, 7, 3, 3, 2, 1));
    l.add(Conv2d.transposed(2, 2, 3, 3, 5, 4, 2, 1));
    return l;
  }

  // ---------------------------------------------------------------- the double reference
  /** y = op(x, w) + b in double, from PyTorch's definitions. */
  public static double[] reference(double[] x, double[] w, double[] b, Conv2d s) {
    int n = s.batch(), ci = s.inC(), h = s.inH(), wd = s.inW(), co = s.outC(), oh = s.outH(), ow = s.outW();
    int k = s.kernel(), st = s.stride(), p = s.pad();
    double[] y = new double[(int) s.outSize()];
    for (int b0 = 0; b0 < n; b0++) {
      for (int o = 0; o < co; o++) {
        for (int e = 0; e < oh * ow; e++) y[(b0 * co + o) * oh * ow + e] = b[o];
      }
    }
    for (int b0 = 0; b0 < n; b0++) {
      for (int c = 0; c < ci; c++) {
        for (int o = 0; o < co; o++) {
          for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
              if (!s.transposed()) {
                double wv = w[((o * ci + c) * k + kh) * k + kw];
                for (int i = 0; i < oh; i++) {
                  for (int j = 0; j < ow; j++) {
                    int hh = i * st - p + kh, ww = j * st - p + kw;
                    if (hh >= 0 && hh < h && ww >= 0 && ww < wd) y[((b0 * co + o) * oh + i) * ow + j] += x[((b0 * ci + c) * h + hh) * wd + ww] * wv;
                  }
                }
              } else {
                double wv = w[((c * co + o) * k + kh) * k + kw];  // (inC, outC, k, k)
                for (int i = 0; i < h; i++) {
                  for (int j = 0; j < wd; j++) {
                    int hh = i * st - p + kh, ww = j * st - p + kw;  // input (i, j) scatters to (hh, ww)
                    if (hh >= 0 && hh < oh && ww >= 0 && ww < ow) y[((b0 * co + o) * oh + hh) * ow + ww] += x[((b0 * ci + c) * h + i) * wd + j] * wv;
                  }
                }
              }
            }
          }
        }
      }
    }
    return y;
  }

  static double dot(double[] a, float[] g) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * g[i];
    return s;
  }

  static double[] d(float[] a) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) r[i] = a[i];
    return r;
  }

  static float[] gaussian(Random r, long n) {
    float[] a = new float[(int) n];
    for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
    return a;
  }

  static void close(String what, double[] ref, float[] got, double tol) {
    assertEquals(ref.length, got.length, what + ": length");
    double scale = 1e-3;
    for (double v : ref) scale = Math.max(scale, Math.abs(v));
    for (int i = 0; i < ref.length; i++) {
      assertTrue(Math.abs(ref[i] - got[i]) <= tol * scale, what + " [" + i + "]: expected " + ref[i] + " but found " + got[i]
          + " (tolerance " + tol + " × " + scale + ")");
    }
  }

  // ---------------------------------------------------------------- tests
  @Test
  void forwardMatchesTheDoubleReference() {
    Random r = new Random(1);
    for (Conv2d s : shapes()) {
      float[] x = gaussian(r, s.inSize()), w = gaussian(r, s.weightSize()), b = gaussian(r, s.outC());
      float[] y = new float[(int) s.outSize()];
      ConvOps.forward(y, 0, x, 0, w, 0, b, 0, s, Activation.IDENTITY);
      close(s.describe() + " forward", reference(d(x), d(w), d(b), s), y, 1e-5);
    }
  }

  /**
   * With L = Σ g ⊙ y, the backward's dx, dw and db equal central differences of the double
   * reference (step 1e-3; the reference is linear in each, so the differences are exact to rounding).
   */
  @Test
  void gradientsMatchCentralDifferences() {
    Random r = new Random(2);
    for (Conv2d s : shapes()) {
      float[] x = gaussian(r, s.inSize()), w = gaussian(r, s.weightSize()), b = gaussian(r, s.outC()), g = gaussian(r, s.outSize());
      float[] y = new float[(int) s.outSize()], dy = g.clone();
      ConvOps.forward(y, 0, x, 0, w, 0, b, 0, s, Activation.IDENTITY);
      float[] dx = new float[(int) s.inSize()], dw = new float[(int) s.weightSize()], db = new float[s.outC()];
      ConvOps.backward(dx, 0, dw, 0, db, 0, dy, 0, y, 0, x, 0, w, 0, s, Activation.IDENTITY);
      double eps = 1e-3;
      double[] xd = d(x), wd = d(w), bd = d(b);
      close(s.describe() + " dx", central(xd, () -> dot(reference(xd, wd, bd, s), g), eps), dx, 1e-5);
      close(s.describe() + " dw", central(wd, () -> dot(reference(xd, wd, bd, s), g), eps), dw, 1e-5);
      close(s.describe() + " db", central(bd, () -> dot(reference(xd, wd, bd, s), g), eps), db, 1e-5);
    }
  }

  private static double[] central(double[] v, java.util.function.DoubleSupplier f, double eps) {
    double[] grad = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      double keep = v[i];
      v[i] = keep + eps;
      double up = f.getAsDouble();
      v[i] = keep - eps;
      double down = f.getAsDouble();
      v[i] = keep;
      grad[i] = (up - down) / (2 * eps);
    }
    return grad;
  }

  @Test
  void theActivationsDerivativeIsAppliedThroughTheOutput() {
    Random r = new Random(3);
    for (Conv2d s : shapes()) {
      float[] x = gaussian(r, s.inSize()), w = gaussian(r, s.weightSize()), b = gaussian(r, s.outC()), g = gaussian(r, s.outSize());
      float[] y = new float[(int) s.outSize()], lin = new float[y.length];
      ConvOps.forward(y, 0, x, 0, w, 0, b, 0, s, Activation.RELU);
      ConvOps.forward(lin, 0, x, 0, w, 0, b, 0, s, Activation.IDENTITY);
      float[] masked = g.clone();
      for (int i = 0; i < y.length; i++) {
        assertEquals(Math.max(0f, lin[i]), y[i], s.describe() + " relu(y) at " + i);
        if (!(y[i] > 0)) masked[i] = 0f;
      }
      float[] dx1 = new float[(int) s.inSize()], dw1 = new float[(int) s.weightSize()], db1 = new float[s.outC()];
      float[] dx2 = dx1.clone(), dw2 = dw1.clone(), db2 = db1.clone(), dy1 = g.clone();
      ConvOps.backward(dx1, 0, dw1, 0, db1, 0, dy1, 0, y, 0, x, 0, w, 0, s, Activation.RELU);
      ConvOps.backward(dx2, 0, dw2, 0, db2, 0, masked, 0, lin, 0, x, 0, w, 0, s, Activation.IDENTITY);
      assertArrayEquals(dx2, dx1, s.describe());
      assertArrayEquals(dw2, dw1, s.describe());
      assertArrayEquals(db2, db1, s.describe());
    }
  }

  @Test
  void everyThreadCountGivesTheSingleThreadedBits() {
    Random r = new Random(4);
    for (int threads = 1; threads <= 4; threads++) {
      try (CpuBackend naive = new CpuBackend(1, true); CpuBackend fast = new CpuBackend(threads)) {
        for (Conv2d s : shapes()) {
          for (Activation act : new Activation[] {Activation.RELU, Activation.TANH}) {
            float[] x = gaussian(r, s.inSize()), w = gaussian(r, s.weightSize()), b = gaussian(r, s.outC());
            float[] g = gaussian(r, s.outSize()), dw0 = gaussian(r, s.weightSize()), db0 = gaussian(r, s.outC());
            float[][] out = new float[2][];
            float[][] grads = new float[6][];
            int side = 0;
            for (CpuBackend be : new CpuBackend[] {naive, fast}) {
              Buf X = put(be, x), W = put(be, w), B = put(be, b), Y = be.alloc(s.outSize());
              be.convForward(Y, X, W, B, s, act);
              Buf DY = put(be, g), DW = put(be, dw0), DB = put(be, db0), DX = be.alloc(s.inSize());
              be.convBackward(DX, DW, DB, DY, Y, X, W, s, act);
              out[side] = get(be, Y, s.outSize());
              grads[3 * side] = get(be, DX, s.inSize());
              grads[3 * side + 1] = get(be, DW, s.weightSize());
              grads[3 * side + 2] = get(be, DB, s.outC());
              side++;
            }
            String what = s.describe() + " " + act + " threads " + threads;
            assertArrayEquals(out[0], out[1], what + " y");
            assertArrayEquals(grads[0], grads[3], what + " dx");
            assertArrayEquals(grads[1], grads[4], what + " dw (accumulated)");
            assertArrayEquals(grads[2], grads[5], what + " db (accumulated)");
          }
        }
      }
    }
  }

  /**
   * {@code --precision tf32} rounds the convolutions' product operands too (DESIGN §12), as the
   * CUDA engine's TF32 conv kernels do: the fast path gives the naive path's bits under TF32; its
   * forward matches a double-precision product of the TF32-rounded operands within 1e-5, which the
   * FP32 forward does not (so the rounding is really applied).
   */
  @Test
  void convolutionsRoundTheirOperandsUnderTf32() {
    Random r = new Random(5);
    boolean fp32Differs = false;
    try (CpuBackend fast = new CpuBackend(2); CpuBackend naive = CpuBackend.naive(1); CpuBackend fp32 = new CpuBackend(2)) {
      fast.precision(io.github.betavae.backend.Precision.TF32);
      naive.precision(io.github.betavae.backend.Precision.TF32);
      for (Conv2d s : shapes()) {
        float[] x = gaussian(r, s.inSize()), w = gaussian(r, s.weightSize()), b = gaussian(r, s.outC());
        float[] g = gaussian(r, s.outSize()), dw0 = gaussian(r, s.weightSize()), db0 = gaussian(r, s.outC());
        float[][][] res = new float[3][4][];
        CpuBackend[] engines = {fast, naive, fp32};
        for (int e = 0; e < 3; e++) {
          CpuBackend be = engines[e];
          Buf X = put(be, x), W = put(be, w), B = put(be, b), Y = be.alloc(s.outSize());
          be.convForward(Y, X, W, B, s, Activation.RELU);
          Buf DY = put(be, g), DW = put(be, dw0), DB = put(be, db0), DX = be.alloc(s.inSize());
          be.convBackward(DX, DW, DB, DY, Y, X, W, s, Activation.RELU);
          res[e] = new float[][] {get(be, Y, s.outSize()), get(be, DX, s.inSize()), get(be, DW, s.weightSize()), get(be, DB, s.outC())};
        }
        String what = s.describe();
        for (int i = 0; i < 4; i++) assertArrayEquals(res[1][i], res[0][i], what + " output " + i + ": TF32 fast path vs naive path");
        double[] xr = new double[x.length], wr = new double[w.length], bd = new double[b.length];
        for (int i = 0; i < x.length; i++) xr[i] = io.github.betavae.backend.Precision.tf32(x[i]);
        for (int i = 0; i < w.length; i++) wr[i] = io.github.betavae.backend.Precision.tf32(w[i]);
        for (int i = 0; i < b.length; i++) bd[i] = b[i];
        double[] ref = reference(xr, wr, bd, s);
        for (int i = 0; i < ref.length; i++) {
          double want = Math.max(0, ref[i]), tol = 1e-5 * (1 + Math.abs(want));
          assertTrue(Math.abs(res[0][0][i] - want) <= tol, what + " y[" + i + "]: TF32 " + res[0][0][i] + ", reference on rounded operands " + want);
          fp32Differs |= Math.abs(res[2][0][i] - want) > tol;
        }
      }
    }
    assertTrue(fp32Differs, "the FP32 forward matches the TF32 reference everywhere: the test cannot tell them apart");
  }

  @Test
  void impossibleShapesAreRefusedWithTheirSizes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Conv2d.conv(1, 1, 3, 3, 1, 5, 1, 0));
    assertTrue(e.getMessage().contains("has no output"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Conv2d.conv(1, 0, 3, 3, 1, 1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> Conv2d.transposed(1, 1, 1, 1, 1, 1, 1, 1));
    Conv2d c = Conv2d.conv(64, 1, 64, 64, 32, 4, 2, 1);
    assertEquals(32, c.outH());
    assertEquals(64, Conv2d.transposed(64, 32, 32, 32, 1, 4, 2, 1).outH());
  }

  private static Buf put(CpuBackend be, float[] v) {
    Buf b = be.alloc(v.length);
    be.write(b, v);
    return b;
  }

  private static float[] get(CpuBackend be, Buf b, long n) {
    float[] a = new float[(int) n];
    be.read(b, a);
    return a;
  }
}
