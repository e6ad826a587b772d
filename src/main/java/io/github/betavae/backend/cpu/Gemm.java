package io.github.betavae.backend.cpu;

/**
 * Building blocks of the cache-blocked single-precision matrix product used by the dense layers:
 * packing of operand tiles into small row arrays and the micro-kernel that multiplies them.
 *
 * <p>Letters: a C tile of {@code mc × nc} outputs is computed as the sum over {@code k} of
 * {@code A[i][k]·B[k][j]}, with the reduction dimension cut into panels of {@link #KC}.
 *
 * <p>Why row arrays: HotSpot's C2 compiler turns a loop of the form {@code c[j] = fma(a, b[j], c[j])}
 * over arrays indexed by the bare loop variable into AVX2/AVX-512 FMA instructions, but it leaves
 * loops that address flat arrays through two different offsets scalar. Packing each tile into
 * {@code float[][]} scratch whose rows start at index 0 gives the kernel that simple form. The
 * packed copies also keep the working set inside the L1/L2 caches.
 *
 * <p>Summation order (determinism contract): every output element starts from its initial value
 * (zero, or the gradient being accumulated into) and takes its products in increasing {@code k}, one
 * fused multiply-add each: {@code c = fma(a[k], b[k], c)} for k = 0, 1, …, K−1. The kernel writes
 * several of these steps in one expression (six, four or one per pass over a row of C), but a nest
 * of FMAs rounds exactly like the same FMAs one after another, and scalar and vector FMAs round
 * alike. So the result is the same for any tile, panel or slice size and any split of the work
 * between threads: bit-identical for every thread count.
 */
final class Gemm {
  private Gemm() {}

  /** Widest column block of C; long rows keep the vector loop's fixed costs small. */
  static final int NC = 256;
  /** Depth of a packed panel of B. */
  static final int KC = 252;
  /** Depth of the slices of a panel the kernel works through; a multiple of six. */
  static final int SLICE = 36;

  /**
   * A packed A panel in the layout a kernel reads ({@code DenseOps.packA}): its whole tiles of rows
   * interleaved by k in {@code af}, the rows after them in {@code a}. Grown on demand, never shrunk.
   */
  static class PackedA {
    /** Row arrays (KC each) for the rows past the whole tiles; only the rows packed are allocated. */
    float[][] a = new float[0][];
    /** The whole tiles of rows interleaved by k, for a kernel with {@code flatRows() > 0}. */
    float[] af = new float[0];

    /** The flat A panel with at least {@code n} floats. */
    float[] af(int n) {
      if (af.length < n) af = new float[Math.max(n, 2 * af.length)];
      return af;
    }

    /** The row arrays, with rows {@code from ≤ r < rows} allocated. */
    float[][] a(int from, int rows) {
      if (a.length < rows) a = java.util.Arrays.copyOf(a, Math.max(rows, 2 * a.length));
      for (int r = from; r < rows; r++) if (a[r] == null) a[r] = new float[KC];
      return a;
    }
  }

  /** One worker's packed panels and C block, allocated once and grown when a call needs more rows. */
  static final class Scratch extends PackedA {
    /** B panel, (KC, NC). */
    final float[][] b = new float[KC][NC];
    /** C block, (rows, NC). */
    float[][] c = new float[0][];
    /** A row of NC floats for epilogues (bias, column sums). */
    final float[] row = new float[NC];

    /** The C block with at least {@code rows} rows. */
    float[][] c(int rows) {
      if (c.length < rows) c = grow(c, rows, NC);
      return c;
    }

    private static float[][] grow(float[][] m, int rows, int cols) {
      float[][] g = java.util.Arrays.copyOf(m, Math.max(rows, 2 * m.length));
      for (int i = m.length; i < g.length; i++) g[i] = new float[cols];
      return g;
    }
  }

  /**
   * c (mc, nc) += a (mc, kc) · b (kc, nc), in the order described in the class comment. The k-loop
   * is cut into slices of {@link #SLICE} so the rows of B being reused stay in L1 while the rows of C
   * stream past them. A is packed too, although the kernel reads it one scalar at a time: rows of x
   * or dA lie 16 KiB apart for 4096-wide layers, and such rows compete for the same few L1 sets.
   */
  static void kernel(float[][] c, float[][] a, float[][] b, int mc, int kc, int nc) {
    for (int k0 = 0; k0 < kc; k0 += SLICE) {
      int k1 = Math.min(kc, k0 + SLICE);
      for (int i = 0; i < mc; i++) {
        float[] ci = c[i];
        float[] ai = a[i];
        int k = k0;
        for (; k + 5 < k1; k += 6) {
          float a0 = ai[k], a1 = ai[k + 1], a2 = ai[k + 2], a3 = ai[k + 3], a4 = ai[k + 4], a5 = ai[k + 5];
          float[] b0 = b[k], b1 = b[k + 1], b2 = b[k + 2], b3 = b[k + 3], b4 = b[k + 4], b5 = b[k + 5];
          for (int j = 0; j < nc; j++) {
            ci[j] = Math.fma(a5, b5[j], Math.fma(a4, b4[j], Math.fma(a3, b3[j],
                Math.fma(a2, b2[j], Math.fma(a1, b1[j], Math.fma(a0, b0[j], ci[j]))))));
          }
        }
        if (k + 3 < k1) {
          float a0 = ai[k], a1 = ai[k + 1], a2 = ai[k + 2], a3 = ai[k + 3];
          float[] b0 = b[k], b1 = b[k + 1], b2 = b[k + 2], b3 = b[k + 3];
          for (int j = 0; j < nc; j++) {
            ci[j] = Math.fma(a3, b3[j], Math.fma(a2, b2[j], Math.fma(a1, b1[j], Math.fma(a0, b0[j], ci[j]))));
          }
          k += 4;
        }
        for (; k < k1; k++) {
          float a0 = ai[k];
          float[] b0 = b[k];
          for (int j = 0; j < nc; j++) ci[j] = Math.fma(a0, b0[j], ci[j]);
        }
      }
    }
  }

  /**
   * The column-block width for n columns: at most {@link #NC}, with an even number of blocks when
   * there is more than one, so two or four workers get equal shares (1200 columns: six blocks of
   * 200 rather than five of 256 and one short). It depends on the shape only; and since any blocking
   * gives the same bits, it could not change a result anyway.
   */
  static int blockWidth(int n) {
    if (n <= 0) return 1;
    int blocks = tiles(n, NC);
    if (blocks > 1 && (blocks & 1) == 1) blocks++;
    int w = (tiles(n, blocks) + 15) & ~15;
    return Math.max(1, Math.min(NC, w));
  }

  /** dst[r][c] = src[off + r·ld + c] for r < rows, c < cols (rows of the source copied as they are). */
  static void packRows(float[][] dst, int rows, int cols, float[] src, int off, int ld) {
    packRows(dst, 0, rows, cols, src, off, ld);
  }

  /** {@link #packRows(float[][], int, int, float[], int, int)} for rows r0 ≤ r < rows only. */
  static void packRows(float[][] dst, int r0, int rows, int cols, float[] src, int off, int ld) {
    for (int r = r0; r < rows; r++) System.arraycopy(src, off + r * ld, dst[r], 0, cols);
  }

  /** {@link #packFlat} of the first {@code rows} rows of A given as row arrays, into a new array. */
  static float[] flatCopy(float[][] a, int tile, int rows, int cols) {
    float[] af = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      float[] ai = a[i];
      for (int k = 0; k < cols; k++) af[(i / tile * cols + k) * tile + i % tile] = ai[k];
    }
    return af;
  }

  /**
   * The first {@code rows} rows (a multiple of {@code tile}) of A (rows × cols) interleaved in tiles:
   * {@code dst[t·cols·tile + k·tile + r] = A(t·tile + r, k)}, where A(i, k) is
   * {@code src[off + i·ld + k]}, or {@code src[off + k·ld + i]} when {@code transposed}.
   */
  static void packFlat(float[] dst, int tile, int rows, int cols, float[] src, int off, int ld, boolean transposed) {
    for (int t = 0; t < rows / tile; t++) {
      int base = t * cols * tile;
      if (transposed) {
        // the tile's rows are side by side in each row of the source
        for (int k = 0, at = off + t * tile; k < cols; k++, at += ld) System.arraycopy(src, at, dst, base + k * tile, tile);
      } else if (tile == 6) {
        // six source rows read side by side, the destination written in order
        for (int k = 0, d = base, q = off + t * tile * ld; k < cols; k++, d += 6, q++) {
          float v0 = src[q], v1 = src[q + ld], v2 = src[q + 2 * ld], v3 = src[q + 3 * ld], v4 = src[q + 4 * ld], v5 = src[q + 5 * ld];
          dst[d] = v0;
          dst[d + 1] = v1;
          dst[d + 2] = v2;
          dst[d + 3] = v3;
          dst[d + 4] = v4;
          dst[d + 5] = v5;
        }
      } else {
        for (int r = 0; r < tile; r++) {
          int row = off + (t * tile + r) * ld;
          for (int k = 0; k < cols; k++) dst[base + k * tile + r] = src[row + k];
        }
      }
    }
  }

  /**
   * {@link #packFlat} (not transposed) of A restricted to the columns {@code idx[i0 … i0 + cols)}:
   * {@code dst[t·cols·tile + k·tile + r] = src[off + (t·tile + r)·ld + idx[i0 + k]]}.
   */
  static void packFlatGather(float[] dst, int tile, int rows, int cols, float[] src, int off, int ld, int[] idx, int i0) {
    for (int t = 0; t < rows / tile; t++) {
      int base = t * cols * tile, row = off + t * tile * ld;
      if (tile == 6) {
        for (int k = 0, d = base; k < cols; k++, d += 6) {
          int q = row + idx[i0 + k];
          float v0 = src[q], v1 = src[q + ld], v2 = src[q + 2 * ld], v3 = src[q + 3 * ld], v4 = src[q + 4 * ld], v5 = src[q + 5 * ld];
          dst[d] = v0;
          dst[d + 1] = v1;
          dst[d + 2] = v2;
          dst[d + 3] = v3;
          dst[d + 4] = v4;
          dst[d + 5] = v5;
        }
      } else {
        for (int r = 0; r < tile; r++) {
          int q = row + r * ld;
          for (int k = 0; k < cols; k++) dst[base + k * tile + r] = src[q + idx[i0 + k]];
        }
      }
    }
  }

  /**
   * dst[r][c] = src[off + c·ld + r] for r < rows, c < cols (the source transposed). Eight source rows
   * are read side by side so each destination row is touched once per eight elements.
   */
  static void packCols(float[][] dst, int rows, int cols, float[] src, int off, int ld) {
    packCols(dst, 0, rows, cols, src, off, ld);
  }

  /** {@link #packCols(float[][], int, int, float[], int, int)} for rows r0 ≤ r < rows only. */
  static void packCols(float[][] dst, int r0, int rows, int cols, float[] src, int off, int ld) {
    int c = 0;
    for (; c + 7 < cols; c += 8) {
      int s0 = off + c * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
      int s4 = s3 + ld, s5 = s4 + ld, s6 = s5 + ld, s7 = s6 + ld;
      for (int r = r0; r < rows; r++) {
        float[] d = dst[r];
        d[c] = src[s0 + r];
        d[c + 1] = src[s1 + r];
        d[c + 2] = src[s2 + r];
        d[c + 3] = src[s3 + r];
        d[c + 4] = src[s4 + r];
        d[c + 5] = src[s5 + r];
        d[c + 6] = src[s6 + r];
        d[c + 7] = src[s7 + r];
      }
    }
    for (; c < cols; c++) {
      int s = off + c * ld;
      for (int r = r0; r < rows; r++) dst[r][c] = src[s + r];
    }
  }

  /** Sets rows {@code [0, rows)} of c to zero over columns {@code [0, cols)}. */
  static void zero(float[][] c, int rows, int cols) {
    for (int r = 0; r < rows; r++) java.util.Arrays.fill(c[r], 0, cols, 0f);
  }

  /** Number of tiles of {@code tile} covering {@code n}. */
  static int tiles(int n, int tile) {
    return (n + tile - 1) / tile;
  }
}
