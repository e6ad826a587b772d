package io.github.betavae.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cpu.CpuBackend;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cuBLAS anchor's argument lists, run through a column-major reference sgemm on the CPU, must
 * compute what our dense layer computes: a wrong transpose or leading dimension would show here
 * (as a wrong value or an index out of bounds) rather than as a fast, wrong anchor on a GPU.
 */
class CublasGemmTest {
  /** "Device addresses" of the reference: ids of host arrays. */
  private final Map<Long, float[]> memory = new HashMap<>();

  private long put(float[] a) {
    long id = memory.size() + 1;
    memory.put(id, a);
    return id;
  }

  /** BLAS semantics, column-major: C = alpha·op(A)·op(B) + beta·C. */
  private void run(List<CublasGemm.Call> calls) {
    for (CublasGemm.Call c : calls) {
      float[] a = memory.get(c.a()), b = memory.get(c.b()), out = memory.get(c.c());
      assertTrue(c.lda() >= (c.transA() ? c.k() : c.m()), c.what() + ": lda too small");
      assertTrue(c.ldb() >= (c.transB() ? c.n() : c.k()), c.what() + ": ldb too small");
      assertTrue(c.ldc() >= c.m(), c.what() + ": ldc too small");
      for (int j = 0; j < c.n(); j++) {
        for (int i = 0; i < c.m(); i++) {
          double s = 0;
          for (int p = 0; p < c.k(); p++) {
            float av = c.transA() ? a[p + i * c.lda()] : a[i + p * c.lda()];
            float bv = c.transB() ? b[j + p * c.ldb()] : b[p + j * c.ldb()];
            s += (double) av * bv;
          }
          int at = i + j * c.ldc();
          out[at] = (float) (c.alpha() * s + (c.beta() == 0 ? 0 : c.beta() * out[at]));
        }
      }
    }
  }

  @Test
  void argumentListsComputeTheDenseLayer() {
    int[][] shapes = {{4, 5, 3}, {2, 7, 11}, {3, 1, 6}, {5, 6, 1}, {1, 3, 2}};  // batch, in, out
    for (int[] sh : shapes) {
      int batch = sh[0], in = sh[1], out = sh[2];
      float[] x = Inputs.uniform((long) batch * in, 1f, 1), w = Inputs.uniform((long) out * in, 1f, 2);
      float[] b = Inputs.uniform(out, 1f, 3), dy = Inputs.uniform((long) batch * out, 1f, 4);
      float[] dw0 = Inputs.uniform((long) out * in, 1f, 5), db0 = Inputs.uniform(out, 1f, 6);
      float[] ones = new float[batch];
      java.util.Arrays.fill(ones, 1f);

      float[] y = new float[batch * out], dx = new float[batch * in], dw = dw0.clone(), db = db0.clone();
      long ix = put(x), iw = put(w), ib = put(b), idy = put(dy), iones = put(ones);
      long iy = put(y), idx = put(dx), idw = put(dw), idb = put(db);
      run(CublasGemm.forward(iy, ix, iw, ib, iones, batch, in, out));
      run(CublasGemm.backward(idx, idw, idb, idy, ix, iw, iones, batch, in, out));

      try (CpuBackend cpu = new CpuBackend(1)) {
        Buf X = load(cpu, x), W = load(cpu, w), B = load(cpu, b), DY = load(cpu, dy), DW = load(cpu, dw0), DB = load(cpu, db0);
        Buf Y = cpu.alloc((long) batch * out), DX = cpu.alloc((long) batch * in);
        cpu.denseForward(Y, X, W, B, batch, in, out, Activation.IDENTITY);
        cpu.denseBackward(DX, DW, DB, DY, Y, X, W, batch, in, out, Activation.IDENTITY);
        String at = "batch " + batch + ", in " + in + ", out " + out + ": ";
        close(at + "y", read(cpu, Y), y);
        close(at + "dx", read(cpu, DX), dx);
        close(at + "dw", read(cpu, DW), dw);
        close(at + "db", read(cpu, DB), db);
      }
      memory.clear();
    }
  }

  @Test
  void missingCublasIsOneLine() {
    CublasGemm g = null;
    try {
      g = new CublasGemm();
    } catch (Gpu.Unavailable e) {
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertTrue(e.getMessage().startsWith("cuBLAS anchor unavailable"), e.getMessage());
      assertEquals(0, e.getStackTrace().length);
      return;
    } catch (RuntimeException e) {
      // libcublas.so.12 loads here, but there is no device to make a handle on
    } finally {
      if (g != null) g.close();
    }
    assumeTrue(false, "cuBLAS loads on this machine");
  }

  private static Buf load(CpuBackend be, float[] a) {
    Buf b = be.alloc(a.length);
    be.write(b, a);
    return b;
  }

  private static float[] read(CpuBackend be, Buf b) {
    float[] a = new float[Math.toIntExact(b.length())];
    be.read(b, a);
    return a;
  }

  private static void close(String what, float[] expected, float[] got) {
    assertEquals(expected.length, got.length, what);
    for (int i = 0; i < got.length; i++) {
      assertTrue(Math.abs(expected[i] - got[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])),
          what + "[" + i + "]: expected " + expected[i] + " but found " + got[i]);
    }
  }
}
