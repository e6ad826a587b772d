package io.github.betavae.backend.cpu;

import static io.github.betavae.testing.Compare.assertBitsEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.betavae.backend.Activation;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernel against the plain one: the same bits for every shape, kernel alone and
 * through the backend, and the switch that turns it off. Surefire runs with
 * {@code --add-modules jdk.incubator.vector} and sets {@value #REQUIRE}, so in the build both kernels
 * are available and a missing module fails; elsewhere (a runtime without the module) this class is
 * skipped: the plain kernel is what the rest of the suite then tests.
 */
class VectorGemmTest {
  static final String REQUIRE = "betavae.test.requireVector";

  @BeforeEach
  void vectorKernelPresent() {
    if (Boolean.getBoolean(REQUIRE)) {
      assertTrue(GemmPath.vectorAvailable(), "surefire's argLine adds jdk.incubator.vector");
    } else {
      assumeTrue(GemmPath.vectorAvailable(), "jdk.incubator.vector is not in this runtime");
    }
  }

  @Test
  void moduleIsPresentUnderTheBuildAndChosenByDefault() {
    try (CpuBackend be = new CpuBackend(2)) {
      assertTrue(be.vectorGemm(), be.description());
      assertTrue(be.description().startsWith("cpu: pure Java, 2 threads, Vector API GEMM ("), be.description());
    }
  }

  @Test
  void plainKernelCanBeChosen() {
    try (CpuBackend be = new CpuBackend(3, false, false)) {
      assertFalse(be.vectorGemm());
      assertEquals("plain GEMM (vector kernel off)", be.gemmPath());
    }
    String old = System.getProperty(GemmPath.PROPERTY);
    System.setProperty(GemmPath.PROPERTY, "false");
    try (CpuBackend be = new CpuBackend(1)) {
      assertFalse(be.vectorGemm(), "-D" + GemmPath.PROPERTY + "=false");
    } finally {
      if (old == null) System.clearProperty(GemmPath.PROPERTY);
      else System.setProperty(GemmPath.PROPERTY, old);
    }
    assertEquals("naive", CpuBackend.naive(1).gemmPath());
  }

  @Test
  void kernelGivesThePlainKernelsBits() {
    Random r = new Random(40);
    GemmPath.Kernel vector = GemmPath.kernel(true);
    // Rows that leave 0..3 over after tiles of four and 0..5 after tiles of six, columns that end
    // mid-vector and mid-pair or leave one whole vector after the pairs (48 and 208 at 512 bits, 56
    // at 256), depths of 1 up to a whole panel.
    for (int[] s : new int[][] {{1, 1, 1}, {3, 7, 5}, {64, 252, 256}, {17, 251, 33}, {5, 66, 208},
        {6, 1, 47}, {7, 130, 16}, {4, 41, 31}, {2, 76, 64}, {9, 252, 200}, {10, 9, 70}, {12, 30, 32},
        {16, 40, 48}, {17, 33, 56}, {64, 252, 208}}) {
      int mc = s[0], kc = s[1], nc = s[2];
      float[][] a = new float[mc][], b = new float[kc][], c = new float[mc][], d = new float[mc][];
      for (int i = 0; i < mc; i++) a[i] = Ops.gaussian(r, kc, 1);
      for (int k = 0; k < kc; k++) b[k] = Ops.gaussian(r, nc, 1);
      for (int i = 0; i < mc; i++) {
        c[i] = Ops.gaussian(r, nc, 1);
        d[i] = c[i].clone();
      }
      Gemm.kernel(c, a, b, mc, kc, nc);
      vector.multiply(d, a, b, mc, kc, nc);
      for (int i = 0; i < mc; i++) {
        assertBitsEqual("row " + i + " of (mc,kc,nc)=(" + mc + "," + kc + "," + nc + ")", c[i], d[i]);
      }
      // every tile height, whichever this machine's vectors choose (8 rows at 512 bits, 6 below; both flat)
      for (int rows : new int[] {VectorGemm.MR, VectorGemm.MR_FLAT, VectorGemm.MR_NARROW}) {
        float[][] e = new float[mc][];
        for (int i = 0; i < mc; i++) e[i] = d[i].clone();
        float[][] f = new float[mc][];
        for (int i = 0; i < mc; i++) f[i] = c[i].clone();
        Gemm.kernel(f, a, b, mc, kc, nc);
        VectorGemm.kernel(e, a, b, mc, kc, nc, rows);
        for (int i = 0; i < mc; i++) {
          assertBitsEqual(rows + "-row tiles, row " + i + " of (mc,kc,nc)=(" + mc + "," + kc + "," + nc + ")", f[i], e[i]);
        }
      }
    }
  }

  /**
   * The six- and eight-row tiles reading A in place (rows {@code lda} apart in one array, as the forward reads w)
   * gives the plain kernel's bits: whole tiles and rows left over, columns past the last pair of
   * vectors, depths of 1 up to a panel, A at an offset in a wider matrix.
   */
  @Test
  void stridedAGivesThePlainKernelsBits() {
    Random r = new Random(42);
    for (int[] s : new int[][] {{1, 1, 1}, {6, 7, 5}, {204, 252, 64}, {17, 251, 33}, {5, 66, 208}, {12, 30, 32}, {13, 1, 47},
        {208, 252, 64}, {8, 9, 48}, {23, 40, 100}}) {
      int mc = s[0], kc = s[1], nc = s[2], lda = kc + 13, ao = 7;
      float[] flat = Ops.gaussian(r, ao + mc * lda, 1);
      float[][] a = new float[mc][], b = new float[kc][], c = new float[mc][], d = new float[mc][];
      for (int i = 0; i < mc; i++) a[i] = java.util.Arrays.copyOfRange(flat, ao + i * lda, ao + i * lda + kc);
      for (int k = 0; k < kc; k++) b[k] = Ops.gaussian(r, nc, 1);
      for (int i = 0; i < mc; i++) {
        c[i] = Ops.gaussian(r, nc, 1);
        d[i] = c[i].clone();
      }
      float[][] e = new float[mc][];
      for (int i = 0; i < mc; i++) e[i] = d[i].clone();
      Gemm.kernel(c, a, b, mc, kc, nc);
      VectorGemm.strided(d, flat, ao, lda, b, mc, kc, nc);
      VectorGemm.strided8(e, flat, ao, lda, b, mc, kc, nc);
      for (int i = 0; i < mc; i++) {
        assertBitsEqual("strided row " + i + " of (mc,kc,nc)=(" + mc + "," + kc + "," + nc + ")", c[i], d[i]);
        assertBitsEqual("8-row strided row " + i + " of (mc,kc,nc)=(" + mc + "," + kc + "," + nc + ")", c[i], e[i]);
      }
    }
    assertTrue(GemmPath.kernel(true).stridedA());
  }

  /**
   * The eight-row tile reading only some columns of A in place (runs of consecutive columns with
   * gaps, from an offset into the column list, as the forward reads w's live columns) gives the plain
   * kernel's bits on those columns gathered: whole tiles and rows left over, columns past the last
   * pair of vectors.
   */
  @Test
  void stridedLiveAGivesThePlainKernelsBits() {
    Random r = new Random(44);
    for (int[] s : new int[][] {{1, 1, 1}, {8, 9, 48}, {200, 256, 64}, {17, 251, 33}, {5, 66, 208}, {13, 1, 47}, {23, 40, 100}}) {
      int mc = s[0], kc = s[1], nc = s[2], in = 3 * kc + 20, ao = 5;
      // live columns: runs of 1 to 9 consecutive columns with gaps, enough for an offset l0 and kc more
      int[] live = new int[in];
      int n = 0;
      for (int col = r.nextInt(3); col < in && n < in; ) {
        int len = 1 + r.nextInt(9);
        for (int t = 0; t < len && col < in; t++) live[n++] = col++;
        col += 1 + r.nextInt(4);
      }
      int l0 = Math.max(0, Math.min(n - kc, 3));
      org.junit.jupiter.api.Assumptions.assumeTrue(n >= kc, "too few live columns drawn");
      float[] flat = Ops.gaussian(r, ao + mc * in, 1);
      float[][] a = new float[mc][kc], b = new float[kc][], c = new float[mc][], d = new float[mc][];
      for (int i = 0; i < mc; i++) for (int k = 0; k < kc; k++) a[i][k] = flat[ao + i * in + live[l0 + k]];
      for (int k = 0; k < kc; k++) b[k] = Ops.gaussian(r, nc, 1);
      for (int i = 0; i < mc; i++) {
        c[i] = Ops.gaussian(r, nc, 1);
        d[i] = c[i].clone();
      }
      Gemm.kernel(c, a, b, mc, kc, nc);
      VectorGemm.strided8Live(d, flat, ao, in, live, l0, b, mc, kc, nc);
      for (int i = 0; i < mc; i++) {
        assertBitsEqual("live strided row " + i + " of (mc,kc,nc)=(" + mc + "," + kc + "," + nc + ")", c[i], d[i]);
      }
    }
  }

  /**
   * The six-row tile writing C in place (rows {@code ldc} apart in one array, as the weight gradient
   * writes dw) gives the plain kernel's bits, accumulating onto C or starting from zero whatever C
   * held (NaN here), and leaves the elements around the block alone.
   */
  @Test
  void cInPlaceGivesThePlainKernelsBits() {
    Random r = new Random(43);
    for (int[] s : new int[][] {{1, 1, 1}, {6, 7, 5}, {252, 64, 256}, {17, 251, 33}, {5, 66, 208}, {64, 64, 200}, {13, 1, 47}}) {
      int mc = s[0], kc = s[1], nc = s[2], ldc = nc + 9, co = 5, f = VectorGemm.MR_FLAT, m = mc / f * f;
      float[][] a = new float[mc][], b = new float[kc][];
      for (int i = 0; i < mc; i++) a[i] = Ops.gaussian(r, kc, 1);
      for (int k = 0; k < kc; k++) b[k] = Ops.gaussian(r, nc, 1);
      float[] af = Gemm.flatCopy(a, f, m, kc);
      for (boolean zero : new boolean[] {false, true}) {
        float[] flat = Ops.gaussian(r, co + mc * ldc + 3, 1);
        float[][] c = new float[mc][];
        for (int i = 0; i < mc; i++) {
          c[i] = zero ? new float[nc] : java.util.Arrays.copyOfRange(flat, co + i * ldc, co + i * ldc + nc);
          if (zero) java.util.Arrays.fill(flat, co + i * ldc, co + i * ldc + nc, Float.NaN);
        }
        float[] before = flat.clone();
        Gemm.kernel(c, a, b, mc, kc, nc);
        VectorGemm.into(flat, co, ldc, zero, a, af, b, mc, kc, nc);
        String what = (zero ? "zero" : "accumulate") + " (mc,kc,nc)=(" + mc + "," + kc + "," + nc + ")";
        for (int i = 0; i < mc; i++) {
          assertBitsEqual("row " + i + " " + what, c[i], java.util.Arrays.copyOfRange(flat, co + i * ldc, co + i * ldc + nc));
          for (int j = nc; j < ldc && co + i * ldc + j < flat.length; j++) {
            assertEquals(before[co + i * ldc + j], flat[co + i * ldc + j], "outside the block, row " + i + " " + what);
          }
        }
        assertEquals(before[0], flat[0], what);
      }
    }
    assertEquals(VectorGemm.ROWS == VectorGemm.MR_FLAT, GemmPath.kernel(true).flatC());
  }

  @Test
  void denseLayersGiveThePlainPathsBits() {
    Random r = new Random(41);
    // Forward, input gradient and weight gradient (+= onto a nonzero gradient), in both orientations
    // (the 20-wide and 10-wide ones run transposed), with 1 to 3 threads.
    int[][] shapes = {{64, 1200, 20}, {70, 10, 300}, {37, 300, 211}, {130, 517, 93}, {3, 45, 1000}};
    for (int[] s : shapes) {
      int b = s[0], in = s[1], out = s[2];
      float[] x = Ops.gaussian(r, b * in, 1), w = Ops.gaussian(r, out * in, 0.05), bias = Ops.gaussian(r, out, 0.1);
      float[] dy = Ops.gaussian(r, b * out, 1), dw0 = Ops.gaussian(r, out * in, 0.1), db0 = Ops.gaussian(r, out, 0.1);
      float[] y = Ops.outputOf(Activation.TANH, r, b * out);
      String shape = " (B,IN,OUT)=(" + b + "," + in + "," + out + ")";
      float[] yPlain;
      float[][] gPlain;
      try (CpuBackend plain = new CpuBackend(1, false, false)) {
        Ops ops = new Ops(plain);
        yPlain = ops.denseForward(x, w, bias, b, in, out, Activation.TANH);
        gPlain = ops.denseBackward(new float[b * in], dw0, db0, dy, y, x, w, b, in, out, Activation.TANH);
      }
      for (int t = 1; t <= 3; t++) {
        try (CpuBackend vec = new CpuBackend(t, false, true)) {
          assertTrue(vec.vectorGemm());
          Ops ops = new Ops(vec);
          assertBitsEqual("forward" + shape + " " + t + " threads", yPlain,
              ops.denseForward(x, w, bias, b, in, out, Activation.TANH));
          float[][] g = ops.denseBackward(new float[b * in], dw0, db0, dy, y, x, w, b, in, out, Activation.TANH);
          for (int i = 0; i < g.length; i++) {
            if (g[i] != null) assertBitsEqual("backward output " + i + shape + " " + t + " threads", gPlain[i], g[i]);
          }
        }
      }
    }
  }
}
