package io.github.betavae.backend.cpu;

import static io.github.betavae.testing.Compare.assertBitsEqual;
import static io.github.betavae.testing.Compare.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The packing routines and the micro-kernel on their own, including their summation order. */
class GemmTest {

  @Test
  void packingCopiesAndTransposes() {
    Random r = new Random(30);
    int ld = 41, off = 7;
    float[] src = Ops.gaussian(r, off + 40 * ld, 1);
    for (int[] s : new int[][] {{1, 1}, {5, 3}, {17, 9}, {40, 8}, {33, 41}}) {
      int rows = s[0], cols = s[1];
      float[][] dst = new float[Gemm.KC][Gemm.NC];
      Gemm.packRows(dst, rows, cols, src, off, ld);
      for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) assertEquals(src[off + i * ld + j], dst[i][j]);
      Gemm.packCols(dst, Math.min(rows, ld), Math.min(cols, 40), src, off, ld);
      for (int i = 0; i < Math.min(rows, ld); i++) {
        for (int j = 0; j < Math.min(cols, 40); j++) assertEquals(src[off + j * ld + i], dst[i][j], "(" + i + "," + j + ")");
      }
    }
  }

  @Test
  void kernelComputesTheProductInTheDocumentedOrder() {
    Random r = new Random(31);
    // Depths that leave every kind of remainder after groups of six and slices of 36.
    for (int[] s : new int[][] {{1, 1, 1}, {3, 7, 5}, {64, 252, 256}, {17, 251, 33}, {2, 4, 300}, {5, 66, 1},
        {4, 41, 17}, {3, 39, 9}, {2, 76, 16}}) {
      int mc = s[0], kc = s[1], nc = s[2];
      float[][] a = new float[mc][], b = new float[kc][], c = new float[mc][], want = new float[mc][];
      for (int i = 0; i < mc; i++) a[i] = Ops.gaussian(r, kc, 1);
      for (int k = 0; k < kc; k++) b[k] = Ops.gaussian(r, nc, 1);
      for (int i = 0; i < mc; i++) {
        c[i] = Ops.gaussian(r, nc, 1);
        want[i] = c[i].clone();
      }
      // Scalar statement of the contract: one FMA per product, in increasing k.
      double[] exact = new double[mc * nc];
      for (int i = 0; i < mc; i++) {
        for (int j = 0; j < nc; j++) {
          float acc = want[i][j];
          double e = acc;
          for (int k = 0; k < kc; k++) {
            acc = Math.fma(a[i][k], b[k][j], acc);
            e += (double) a[i][k] * b[k][j];
          }
          want[i][j] = acc;
          exact[i * nc + j] = e;
        }
      }
      Gemm.kernel(c, a, b, mc, kc, nc);
      float[] got = new float[mc * nc], wantFlat = new float[mc * nc];
      for (int i = 0; i < mc; i++) {
        System.arraycopy(c[i], 0, got, i * nc, nc);
        System.arraycopy(want[i], 0, wantFlat, i * nc, nc);
      }
      String what = "kernel (mc,kc,nc)=(" + mc + "," + kc + "," + nc + ")";
      assertBitsEqual(what, wantFlat, got);
      assertClose(what + " vs double", exact, got, 1e-5);
    }
  }

  @Test
  void tileCounts() {
    assertEquals(0, Gemm.tiles(0, 64));
    assertEquals(1, Gemm.tiles(1, 64));
    assertEquals(1, Gemm.tiles(64, 64));
    assertEquals(2, Gemm.tiles(65, 64));
  }
}
