package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cpu.CpuBackend;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The cuBLAS argument lists, run through a column-major reference sgemm on the CPU, must compute
 * what our dense layer computes: a wrong transpose, leading dimension or beta would show here (as a
 * wrong value or an index out of bounds) rather than as a fast, wrong training run on a GPU.
 */
class CublasGemmTest {
  static final int[][] SHAPES = {{4, 5, 3}, {2, 7, 11}, {3, 1, 6}, {5, 6, 1}, {1, 3, 2}, {17, 33, 9}};  // batch, in, out

  /** "Device addresses" of the reference: ids of host arrays. */
  private final Map<Long, float[]> memory = new HashMap<>();
  private final Random rnd = new Random(11);

  private long put(float[] a) {
    long id = memory.size() + 1;
    memory.put(id, a);
    return id;
  }

  /** BLAS semantics, column-major: C = alpha·op(A)·op(B) + beta·C (beta = 0 ignores C, even NaN). */
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

  /** What CudaBackend queues with --gemm cublas: y = x·wᵀ (beta 0), dw += dAᵀ·x, dx = dA·w. */
  @Test
  void backendCallsComputeTheDenseProducts() {
    for (int[] sh : SHAPES) {
      int batch = sh[0], in = sh[1], out = sh[2];
      float[] x = uniform(batch * in), w = uniform(out * in), dA = uniform(batch * out), dw0 = uniform(out * in);
      float[] y = new float[batch * out], dx = new float[batch * in], dw = dw0.clone();
      Arrays.fill(y, Float.NaN);  // beta = 0 must overwrite, not scale, what y held
      Arrays.fill(dx, Float.NaN);
      long ix = put(x), iw = put(w), idA = put(dA), iy = put(y), idx = put(dx), idw = put(dw);
      run(List.of(CublasGemm.forward(iy, ix, iw, batch, in, out, 0f),
          CublasGemm.weightGrad(idw, idA, ix, batch, in, out),
          CublasGemm.inputGrad(idx, idA, iw, batch, in, out)));

      try (CpuBackend cpu = new CpuBackend(1)) {
        Buf X = load(cpu, x), W = load(cpu, w), B = cpu.alloc(out), DA = load(cpu, dA), DW = load(cpu, dw0);
        Buf Y = cpu.alloc((long) batch * out), DX = cpu.alloc((long) batch * in), DB = cpu.alloc(out);
        cpu.denseForward(Y, X, W, B, batch, in, out, Activation.IDENTITY);
        // identity activation: dA = dy, so the reference's dw and dx are the bare products
        cpu.denseBackward(DX, DW, DB, DA, Y, X, W, batch, in, out, Activation.IDENTITY);
        String at = "batch " + batch + ", in " + in + ", out " + out + ": ";
        close(at + "y", read(cpu, Y), y);
        close(at + "dx", read(cpu, DX), dx);
        close(at + "dw (accumulated onto its old value)", read(cpu, DW), dw);
      }
      memory.clear();
    }
  }

  /** The benchmark anchor's lists: the bias and its gradient as rank-1 products. */
  @Test
  void anchorCallsComputeTheWholeLayer() {
    for (int[] sh : SHAPES) {
      int batch = sh[0], in = sh[1], out = sh[2];
      float[] x = uniform(batch * in), w = uniform(out * in), b = uniform(out), dy = uniform(batch * out);
      float[] dw0 = uniform(out * in), db0 = uniform(out), ones = new float[batch];
      Arrays.fill(ones, 1f);
      float[] y = new float[batch * out], dx = new float[batch * in], dw = dw0.clone(), db = db0.clone();
      long ix = put(x), iw = put(w), ib = put(b), idy = put(dy), iones = put(ones);
      long iy = put(y), idx = put(dx), idw = put(dw), idb = put(db);
      run(List.of(CublasGemm.bias(iy, ib, iones, batch, out), CublasGemm.forward(iy, ix, iw, batch, in, out, 1f)));
      run(List.of(CublasGemm.inputGrad(idx, idy, iw, batch, in, out), CublasGemm.weightGrad(idw, idy, ix, batch, in, out),
          CublasGemm.biasGrad(idb, idy, iones, batch, out)));

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
  void missingCublasIsTheOneLine() {
    String p = CublasGemm.loadProblem();
    if (p == null) return;  // libcublas.so.12 loads here: nothing to report
    assertEquals("cuBLAS is not available: libcublas.so.12 not found on the loader path", p);
    assertFalse(p.contains("\n"), p);
    assertEquals(p, CublasGemm.loadProblem(), "a failed load is reported the same way every time");
  }

  private float[] uniform(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = 2 * rnd.nextFloat() - 1;
    return a;
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
