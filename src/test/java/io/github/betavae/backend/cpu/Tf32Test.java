package io.github.betavae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Precision;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The CPU engine's TF32 mode (DESIGN §12): the rounding itself, and products with rounded operands. */
class Tf32Test {

  @Test
  void roundsToTenMantissaBitsToNearestTiesAwayFromZero() {
    float ulp = 0x1p-10f;  // TF32 spacing in [1, 2)
    assertEquals(1f, Precision.tf32(1f));
    assertEquals(1f, Precision.tf32(1f + 0.49f * ulp));
    assertEquals(1f + ulp, Precision.tf32(1f + 0.5f * ulp), "a tie goes away from zero");
    assertEquals(-(1f + ulp), Precision.tf32(-(1f + 0.5f * ulp)), "a tie goes away from zero, below zero too");
    assertEquals(1f + ulp, Precision.tf32(1f + 0.51f * ulp));
    assertEquals(1f + 2 * ulp, Precision.tf32(1f + 1.5f * ulp), "ties away, not to even");
    assertEquals(0, Float.floatToRawIntBits(Precision.tf32(0.1f)) & 0x1fff, "the low 13 bits are cleared");
    assertEquals(Float.POSITIVE_INFINITY, Precision.tf32(Float.MAX_VALUE), "rounding past the largest TF32 value overflows");
    assertTrue(Float.isNaN(Precision.tf32(Float.NaN)));
    assertEquals(Float.NEGATIVE_INFINITY, Precision.tf32(Float.NEGATIVE_INFINITY));
    assertEquals(0f, Precision.tf32(Float.MIN_VALUE), "the smallest subnormal rounds to zero");
  }

  private static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = r.nextFloat() * 2 - 1;
    return a;
  }

  /** y and dw, dx of one layer on {@code be} in {@code p}. */
  private static float[][] layer(CpuBackend be, Precision p, float[] xv, float[] wv, float[] dyv, int b, int in, int out) {
    be.precision(p);
    Buf x = be.alloc(xv.length), w = be.alloc(wv.length), bias = be.alloc(out), y = be.alloc((long) b * out);
    Buf dy = be.alloc(dyv.length), dw = be.alloc(wv.length), db = be.alloc(out), dx = be.alloc(xv.length);
    be.write(x, xv);
    be.write(w, wv);
    be.write(dy, dyv);
    be.denseForward(y, x, w, bias, b, in, out, Activation.TANH);
    be.denseBackward(dx, dw, db, dy, y, x, w, b, in, out, Activation.TANH);
    float[][] r = {new float[b * out], new float[wv.length], new float[xv.length]};
    be.read(y, r[0]);
    be.read(dw, r[1]);
    be.read(dx, r[2]);
    return r;
  }

  @Test
  void tf32ProductsMatchTheNaiveTf32ReferenceAndDoNotDependOnThreads() {
    Random r = new Random(12);
    int b = 37, in = 301, out = 259;  // several panels and edge tiles
    float[] x = random(r, b * in), w = random(r, out * in), dy = random(r, b * out);
    float[][] ref = layer(CpuBackend.naive(1), Precision.TF32, x, w, dy, b, in, out);
    float[][] one = layer(new CpuBackend(1), Precision.TF32, x, w, dy, b, in, out);
    for (int k = 0; k < 3; k++) {
      double worst = 0;
      for (int i = 0; i < ref[k].length; i++) worst = Math.max(worst, Math.abs(ref[k][i] - one[k][i]) / Math.max(1, Math.abs(ref[k][i])));
      assertTrue(worst <= 1e-5, "output " + k + ": fast TF32 vs naive TF32 differ by " + worst);
    }
    for (int threads = 2; threads <= 4; threads++) {
      float[][] t = layer(new CpuBackend(threads), Precision.TF32, x, w, dy, b, in, out);
      for (int k = 0; k < 3; k++) assertArrayEquals(one[k], t[k], threads + " threads, output " + k);
    }
    float[][] fp32 = layer(new CpuBackend(1), Precision.FP32, x, w, dy, b, in, out);
    for (int k = 0; k < 3; k++) {
      assertFalse(java.util.Arrays.equals(fp32[k], one[k]), "output " + k + ": TF32 equals FP32 bit for bit");
      double worst = 0;
      for (int i = 0; i < fp32[k].length; i++) worst = Math.max(worst, Math.abs(fp32[k][i] - one[k][i]) / Math.max(1, Math.abs(fp32[k][i])));
      assertTrue(worst <= 2e-2, "output " + k + ": TF32 strays from FP32 by " + worst);
    }
  }
}
