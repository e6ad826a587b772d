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
 * <p>Register blocking: {@value #MR} rows × 2 vectors of C ({@value #MR}·2 accumulators) live in
 * locals across the whole depth of the panel; each step broadcasts one element of A per row and loads
 * two vectors of the packed B row. Column blocks of B are the outer loop so the B sliver being
 * reused ({@code kc × 2 vectors}, 32 KiB at 512 bits) stays in L1 while the rows of C go past it.
 *
 * <p>Summation order: each accumulator starts from C's current value and takes
 * {@code fma(a[i][k], b[k][j], acc)} for k = 0, 1, …, kc−1, lane by lane; a lane-wise FMA rounds like
 * {@link Math#fma}. No sum is ever split or reduced across lanes, so the bits equal
 * {@link Gemm#kernel}'s for every shape. Columns past the last whole vector take the same scalar FMAs.
 */
final class VectorGemm implements GemmPath.Kernel {
  /** Made by {@link GemmPath} through reflection, once per JVM. */
  VectorGemm() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Rows of C per register tile. */
  static final int MR = 4;

  @Override
  public int bits() {
    return S.vectorBitSize();
  }

  @Override
  public void multiply(float[][] c, float[][] a, float[][] b, int mc, int kc, int nc) {
    kernel(c, a, b, mc, kc, nc);
  }

  /** c (mc, nc) += a (mc, kc) · b (kc, nc); same contract and bits as {@link Gemm#kernel}. */
  static void kernel(float[][] c, float[][] a, float[][] b, int mc, int kc, int nc) {
    int j = 0;
    for (; j + 2 * L <= nc; j += 2 * L) {
      int i = 0;
      for (; i + MR <= mc; i += MR) tile4x2(c, a, b, i, j, kc);
      for (; i < mc; i++) tile1x2(c[i], a[i], b, j, kc);
    }
    for (; j + L <= nc; j += L) {
      for (int i = 0; i < mc; i++) tile1x1(c[i], a[i], b, j, kc);
    }
    if (j < nc) {
      for (int i = 0; i < mc; i++) {
        float[] ci = c[i], ai = a[i];
        for (int jj = j; jj < nc; jj++) {
          float acc = ci[jj];
          for (int k = 0; k < kc; k++) acc = Math.fma(ai[k], b[k][jj], acc);
          ci[jj] = acc;
        }
      }
    }
  }

  /** Rows i..i+3, columns j..j+2L of C, over the whole depth. */
  private static void tile4x2(float[][] c, float[][] a, float[][] b, int i, int j, int kc) {
    float[] c0 = c[i], c1 = c[i + 1], c2 = c[i + 2], c3 = c[i + 3];
    float[] a0 = a[i], a1 = a[i + 1], a2 = a[i + 2], a3 = a[i + 3];
    int j1 = j + L;
    FloatVector c00 = FloatVector.fromArray(S, c0, j), c01 = FloatVector.fromArray(S, c0, j1);
    FloatVector c10 = FloatVector.fromArray(S, c1, j), c11 = FloatVector.fromArray(S, c1, j1);
    FloatVector c20 = FloatVector.fromArray(S, c2, j), c21 = FloatVector.fromArray(S, c2, j1);
    FloatVector c30 = FloatVector.fromArray(S, c3, j), c31 = FloatVector.fromArray(S, c3, j1);
    for (int k = 0; k < kc; k++) {
      float[] bk = b[k];
      FloatVector b0 = FloatVector.fromArray(S, bk, j), b1 = FloatVector.fromArray(S, bk, j1);
      FloatVector x = FloatVector.broadcast(S, a0[k]);
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
    c00.intoArray(c0, j);
    c01.intoArray(c0, j1);
    c10.intoArray(c1, j);
    c11.intoArray(c1, j1);
    c20.intoArray(c2, j);
    c21.intoArray(c2, j1);
    c30.intoArray(c3, j);
    c31.intoArray(c3, j1);
  }

  /** One row, two vectors: the rows left over after the tiles of four. */
  private static void tile1x2(float[] ci, float[] ai, float[][] b, int j, int kc) {
    int j1 = j + L;
    FloatVector s0 = FloatVector.fromArray(S, ci, j), s1 = FloatVector.fromArray(S, ci, j1);
    for (int k = 0; k < kc; k++) {
      FloatVector x = FloatVector.broadcast(S, ai[k]);
      s0 = x.fma(FloatVector.fromArray(S, b[k], j), s0);
      s1 = x.fma(FloatVector.fromArray(S, b[k], j1), s1);
    }
    s0.intoArray(ci, j);
    s1.intoArray(ci, j1);
  }

  /** One row, one vector: the columns left over after the pairs of vectors. */
  private static void tile1x1(float[] ci, float[] ai, float[][] b, int j, int kc) {
    FloatVector s0 = FloatVector.fromArray(S, ci, j);
    for (int k = 0; k < kc; k++) s0 = FloatVector.broadcast(S, ai[k]).fma(FloatVector.fromArray(S, b[k], j), s0);
    s0.intoArray(ci, j);
  }
}
