package io.github.betavae.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernel of {@link Gemm} written with the incubating Vector API, so a tile of C can stay in
 * registers for a whole panel: C2 vectorizes only loops that update one row at a time, which reloads
 * and stores C after every group of k.
 *
 * <p>This is the only class that names {@code jdk.incubator.vector}; {@link GemmPath} loads it only
 * when the module is in the boot layer, so the rest of the backend runs without it.
 *
 * <p>Register blocking: {@value #MR} rows × 2 vectors of C (16 of the 32 AVX-512 registers) live in
 * locals across the whole depth of the panel ({@value #MR_NARROW} rows where vectors are 256 bits,
 * as AVX2 has only 16 registers); each step broadcasts one element of A per row and loads
 * two vectors of the packed B row. Column blocks of B are the outer loop so the B sliver being
 * reused ({@code kc × 2 vectors}, up to 32 KiB at 512 bits) stays in L1 while the rows of C go past it.
 *
 * <p>Summation order: each accumulator starts from C's current value and takes
 * {@code fma(a[i][k], b[k][j], acc)} for k = 0, 1, …, kc−1, lane by lane; a lane-wise FMA rounds like
 * {@link Math#fma}. No sum is ever split or reduced across lanes, so the bits equal
 * {@link Gemm#kernel}'s for every shape. Rows and columns past the last whole tile take the same FMAs in a plain loop.
 */
final class VectorGemm implements GemmPath.Kernel {
  /** Made by {@link GemmPath} through reflection, once per JVM. */
  VectorGemm() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Rows of C per register tile. */
  static final int MR = 8;

  @Override
  public int bits() {
    return S.vectorBitSize();
  }

  @Override
  public void multiply(float[][] c, float[][] a, float[][] b, int mc, int kc, int nc) {
    kernel(c, a, b, mc, kc, nc);
  }

  /**
   * Rows of C per register tile where vectors are 256 bits or narrower (AVX2): 8 rows × 2 vectors
   * need 19 of AVX2's 16 vector registers and spill; 4 × 2 need 11. In a probe on an AVX2 EPYC
   * (panels 240 × 252 × 240, best of 300 calls, four rounds) 4 × 2 ran 44–57 GFLOP/s, above 8 × 2
   * (47–52) in three rounds of four (4 × 3: 37–39), and the whole MLP step was faster with it.
   */
  static final int MR_NARROW = 4;
  /** The tile height this JVM's vectors get: {@link #MR} at 512 bits, {@link #MR_NARROW} below. */
  static final int ROWS = S.vectorBitSize() > 256 ? MR : MR_NARROW;

  /** c (mc, nc) += a (mc, kc) · b (kc, nc); same contract and bits as {@link Gemm#kernel}. */
  static void kernel(float[][] c, float[][] a, float[][] b, int mc, int kc, int nc) {
    kernel(c, a, b, mc, kc, nc, ROWS);
  }

  /** {@link #kernel} with a given tile height, {@link #MR} or {@link #MR_NARROW} (tests run both). */
  static void kernel(float[][] c, float[][] a, float[][] b, int mc, int kc, int nc, int rows) {
    int nv = nc / (2 * L) * (2 * L), mv = mc / rows * rows;
    for (int j = 0; j < nv; j += 2 * L) {
      if (rows == MR) {
        for (int i = 0; i < mv; i += MR) tile8x2(c, a, b, i, j, kc);
      } else {
        for (int i = 0; i < mv; i += MR_NARROW) tile4x2(c, a, b, i, j, kc);
      }
    }
    // The edges (the rows past the last whole tile, and the columns past the last pair of vectors)
    // take the plain row loop: few calls reach them, and Vector API code is very slow until C2 has
    // compiled it, which for rarely run code can take many calls. The same FMAs in the same order,
    // so same bits.
    plain(c, a, b, mv, mc, 0, nv, kc);
    plain(c, a, b, 0, mc, nv, nc, kc);
  }

  /** Rows [i0, i1), columns [j0, j1) of c += a · b, one row of C at a time in increasing k. */
  private static void plain(float[][] c, float[][] a, float[][] b, int i0, int i1, int j0, int j1, int kc) {
    if (j0 >= j1) return;
    for (int i = i0; i < i1; i++) {
      float[] ci = c[i], ai = a[i];
      for (int k = 0; k < kc; k++) {
        float ak = ai[k];
        float[] bk = b[k];
        for (int j = j0; j < j1; j++) ci[j] = Math.fma(ak, bk[j], ci[j]);
      }
    }
  }

  /** Rows i..i+3, columns j..j+2L of C, over the whole depth (same FMAs as {@link #tile8x2}). */
  private static void tile4x2(float[][] c, float[][] a, float[][] b, int i, int j, int kc) {
    int j1 = j + L;
    float[] a0 = a[i + 0];
    float[] a1 = a[i + 1];
    float[] a2 = a[i + 2];
    float[] a3 = a[i + 3];
    FloatVector c00 = FloatVector.fromArray(S, c[i + 0], j), c01 = FloatVector.fromArray(S, c[i + 0], j1);
    FloatVector c10 = FloatVector.fromArray(S, c[i + 1], j), c11 = FloatVector.fromArray(S, c[i + 1], j1);
    FloatVector c20 = FloatVector.fromArray(S, c[i + 2], j), c21 = FloatVector.fromArray(S, c[i + 2], j1);
    FloatVector c30 = FloatVector.fromArray(S, c[i + 3], j), c31 = FloatVector.fromArray(S, c[i + 3], j1);
    for (int k = 0; k < kc; k++) {
      float[] bk = b[k];
      FloatVector b0 = FloatVector.fromArray(S, bk, j), b1 = FloatVector.fromArray(S, bk, j1);
      FloatVector x;
      x = FloatVector.broadcast(S, a0[k]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a1[k]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a2[k]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a3[k]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
    }
    c00.intoArray(c[i + 0], j);
    c01.intoArray(c[i + 0], j1);
    c10.intoArray(c[i + 1], j);
    c11.intoArray(c[i + 1], j1);
    c20.intoArray(c[i + 2], j);
    c21.intoArray(c[i + 2], j1);
    c30.intoArray(c[i + 3], j);
    c31.intoArray(c[i + 3], j1);
  }

  /** Rows i..i+7, columns j..j+2L of C, over the whole depth. */
  private static void tile8x2(float[][] c, float[][] a, float[][] b, int i, int j, int kc) {
    int j1 = j + L;
    float[] a0 = a[i + 0];
    float[] a1 = a[i + 1];
    float[] a2 = a[i + 2];
    float[] a3 = a[i + 3];
    float[] a4 = a[i + 4];
    float[] a5 = a[i + 5];
    float[] a6 = a[i + 6];
    float[] a7 = a[i + 7];
    FloatVector c00 = FloatVector.fromArray(S, c[i + 0], j), c01 = FloatVector.fromArray(S, c[i + 0], j1);
    FloatVector c10 = FloatVector.fromArray(S, c[i + 1], j), c11 = FloatVector.fromArray(S, c[i + 1], j1);
    FloatVector c20 = FloatVector.fromArray(S, c[i + 2], j), c21 = FloatVector.fromArray(S, c[i + 2], j1);
    FloatVector c30 = FloatVector.fromArray(S, c[i + 3], j), c31 = FloatVector.fromArray(S, c[i + 3], j1);
    FloatVector c40 = FloatVector.fromArray(S, c[i + 4], j), c41 = FloatVector.fromArray(S, c[i + 4], j1);
    FloatVector c50 = FloatVector.fromArray(S, c[i + 5], j), c51 = FloatVector.fromArray(S, c[i + 5], j1);
    FloatVector c60 = FloatVector.fromArray(S, c[i + 6], j), c61 = FloatVector.fromArray(S, c[i + 6], j1);
    FloatVector c70 = FloatVector.fromArray(S, c[i + 7], j), c71 = FloatVector.fromArray(S, c[i + 7], j1);
    for (int k = 0; k < kc; k++) {
      float[] bk = b[k];
      FloatVector b0 = FloatVector.fromArray(S, bk, j), b1 = FloatVector.fromArray(S, bk, j1);
      FloatVector x;
      x = FloatVector.broadcast(S, a0[k]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a1[k]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a2[k]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a3[k]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a4[k]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a5[k]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a6[k]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a7[k]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    c00.intoArray(c[i + 0], j);
    c01.intoArray(c[i + 0], j1);
    c10.intoArray(c[i + 1], j);
    c11.intoArray(c[i + 1], j1);
    c20.intoArray(c[i + 2], j);
    c21.intoArray(c[i + 2], j1);
    c30.intoArray(c[i + 3], j);
    c31.intoArray(c[i + 3], j1);
    c40.intoArray(c[i + 4], j);
    c41.intoArray(c[i + 4], j1);
    c50.intoArray(c[i + 5], j);
    c51.intoArray(c[i + 5], j1);
    c60.intoArray(c[i + 6], j);
    c61.intoArray(c[i + 6], j1);
    c70.intoArray(c[i + 7], j);
    c71.intoArray(c[i + 7], j1);
  }
}
