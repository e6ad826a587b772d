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
      {
        float[][] a = new float[mc][], b = new float[kc][], c = new float[mc][];
        for (int i = 0; i < mc; i++) a[i] = Ops.gaussian(r, kc, 1);
        for (int k = 0; k < kc; k++) b[k] = Ops.gaussian(r, nc, 1);
        for (int i = 0; i < mc; i++) c[i] = Ops.gaussian(r, nc, 1);
        // Scalar statement of the contract: one FMA per product, in increasing k.
        float[] want = new float[mc * nc];
        double[] exact = new double[mc * nc];
        for (int i = 0; i < mc; i++) {
          for (int j = 0; j < nc; j++) {
            float acc = c[i][j];
            double e = acc;
            for (int k = 0; k < kc; k++) {
              float av = a[i][k];
              acc = Math.fma(av, b[k][j], acc);
              e += (double) av * b[k][j];
            }
            want[i * nc + j] = acc;
            exact[i * nc + j] = e;
          }
        }
        Gemm.kernel(c, a, b, mc, kc, nc);
        float[] got = new float[mc * nc];
        for (int i = 0; i < mc; i++) System.arraycopy(c[i], 0, got, i * nc, nc);
        String what = "kernel (mc,kc,nc)=(" + mc + "," + kc + "," + nc + ")";
        assertBitsEqual(what, want, got);
        assertClose(what + " vs double", exact, got, 1e-5);
      }
    }
  }

  @Test
  void blockWidthsGiveEvenBlockCountsAndCoverTheColumns() {
    assertEquals(1, Gemm.tiles(20, Gemm.blockWidth(20)));
    assertEquals(6, Gemm.tiles(1200, Gemm.blockWidth(1200)));
    assertEquals(256, Gemm.blockWidth(4096));
    assertEquals(16, Gemm.tiles(4096, Gemm.blockWidth(4096)));
    for (int n = 1; n <= 3000; n++) {
      int w = Gemm.blockWidth(n), blocks = Gemm.tiles(n, w);
      assertEquals(true, w >= 1 && w <= Gemm.NC, "width " + w + " for " + n);
      assertEquals(true, blocks == 1 || blocks % 2 == 0, blocks + " blocks for " + n);
    }
  }

  @Test
  void scratchGrowsAndKeepsItsRows() {
    Gemm.Scratch s = new Gemm.Scratch();
    float[][] c = s.c(3);
    c[2][7] = 5f;
    float[][] d = s.c(100);
    assertEquals(true, d.length >= 100);
    assertEquals(5f, d[2][7]);
    assertEquals(Gemm.NC, d[99].length);
  }

  @Test
  void tileCounts() {
    assertEquals(0, Gemm.tiles(0, 64));
    assertEquals(1, Gemm.tiles(1, 64));
    assertEquals(1, Gemm.tiles(64, 64));
    assertEquals(2, Gemm.tiles(65, 64));
  }
}
