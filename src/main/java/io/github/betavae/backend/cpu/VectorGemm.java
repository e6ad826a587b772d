package io.github.betavae.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
 * locals across the whole depth of the panel; each step broadcasts one element of A per row and loads
 * two vectors of B. Column slivers of B are the outer loop so the sliver being reused
 * ({@code kc × 2 vectors}, up to 32 KiB at 512 bits) stays in L1 while the rows of C go past it.
 * Where vectors are 256 bits or narrower (AVX2, 16 registers) the tile is {@value #MR_FLAT} rows × 2
 * vectors (12 accumulators, 2 of B, 1 broadcast). Both read operands repacked flat ({@link #flat},
 * {@link #flat8}): A's rows interleaved by k and B's slivers contiguous, so the loop walks two arrays
 * at running offsets behind one bounds check; separate rows of A would need one array reference and
 * bounds check each in the loop, which left C2 short of registers at 256 bits; at 512 bits, in
 * fresh-JVM step timings on an AVX-512 Xeon, the eight-row tile on row arrays was 4–8% slower (inside
 * that machine's noise; the same bits either way).
 *
 * <p>Summation order: each accumulator starts from C's current value and takes
 * {@code fma(a[i][k], b[k][j], acc)} for k = 0, 1, …, kc−1, lane by lane; a lane-wise FMA rounds like
 * {@link Math#fma}. No sum is ever split or reduced across lanes, so the bits equal
 * {@link Gemm#kernel}'s for every shape. Rows and columns past the last whole tile take the same
 * FMAs in a one-vector tile (512 bits) or a plain loop.
 *
 * <p>The six-row tile comes in three forms with the same loop body: C in row arrays
 * ({@link #tile6x2}), C in place in a row-major array ({@link #tile6x2Into}, the weight gradient into
 * dw) and A read in place ({@link #tile6x2Strided}, the forward from w); the eight-row tile in three
 * ({@link #tile8x2Flat}, {@link #tile8x2Strided}, and {@link #tile8x2Live} for w's live columns),
 * plus its one-vector edge ({@link #tile8x1Flat}).
 * The body is repeated rather than shared because its twelve or sixteen accumulators must stay in
 * registers through one loop, and a helper that took or returned them would make C2 allocate them
 * as objects.
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

  /**
   * {@link io.github.betavae.backend.FiniteScan#allFinite} with whole vectors: x − x is +0 for finite
   * x and NaN for NaN and ±∞, and a lane that ever adds a NaN stays NaN, so the lanes' sums are all
   * zero exactly when every value is finite. Two accumulators keep two loads in flight; C2 does not
   * vectorize the plain scan's float sums (their order is fixed), which ran at half the speed of memory.
   */
  @Override
  public boolean allFinite(float[] v, int from, int to) {
    FloatVector a = FloatVector.zero(S), b = FloatVector.zero(S);
    int i = from;
    for (; i + 2 * L <= to; i += 2 * L) {
      FloatVector x = FloatVector.fromArray(S, v, i), y = FloatVector.fromArray(S, v, i + L);
      a = a.add(x.sub(x));
      b = b.add(y.sub(y));
    }
    float t = a.add(b).reduceLanes(VectorOperators.ADD);
    for (; i < to; i++) t += v[i] - v[i];
    return t == 0f;
  }

  @Override
  public void multiply(float[][] c, float[][] a, float[] af, float[][] b, int mc, int kc, int nc) {
    if (ROWS == MR_FLAT) flat(c, a, af, b, mc, kc, nc);
    else flat8(c, a, af, b, mc, kc, nc);
  }

  /** Both tile heights read A's whole tiles of rows packed flat. */
  @Override
  public int flatRows() {
    return ROWS;
  }

  /** Both tile heights read A in place too ({@link #strided}, {@link #strided8}). */
  @Override
  public boolean stridedA() {
    return true;
  }

  /** The six-row tile writes a row-major C in place too ({@link #into}); the eight-row one does not. */
  @Override
  public boolean flatC() {
    return ROWS == MR_FLAT;
  }

  @Override
  public void multiplyInto(float[] c, int co, int ldc, boolean zero, float[][] a, float[] af, float[][] b,
                           int mc, int kc, int nc) {
    if (ROWS != MR_FLAT) throw new UnsupportedOperationException("the " + MR + "-row tile writes C through row arrays");
    into(c, co, ldc, zero, a, af, b, mc, kc, nc);
  }

  @Override
  public void multiplyStrided(float[][] c, float[] a, int ao, int lda, float[][] b, int mc, int kc, int nc) {
    if (ROWS == MR_FLAT) strided(c, a, ao, lda, b, mc, kc, nc);
    else strided8(c, a, ao, lda, b, mc, kc, nc);
  }

  /** The eight-row tile reads w's live columns in place ({@link #strided8Live}); the six-row tile gathers them. */
  @Override
  public boolean stridedLiveA() {
    return ROWS == MR;
  }

  @Override
  public void multiplyStridedLive(float[][] c, float[] a, int ao, int lda, int[] live, int l0,
                                  float[][] b, int mc, int kc, int nc) {
    if (ROWS != MR) throw new UnsupportedOperationException("the " + MR_FLAT + "-row tile reads live columns gathered");
    strided8Live(c, a, ao, lda, live, l0, b, mc, kc, nc);
  }

  /**
   * Rows of C per register tile where vectors are 256 bits or narrower (AVX2): 8 rows × 2 vectors
   * need 19 of AVX2's 16 vector registers and spill; 4 × 2 need 11. In a probe on an AVX2 EPYC
   * (panels 240 × 252 × 240, best of 300 calls, four rounds) 4 × 2 ran 44–57 GFLOP/s, above 8 × 2
   * (47–52) in three rounds of four (4 × 3: 37–39), and the whole MLP step was faster with it.
   */
  static final int MR_NARROW = 4;
  /**
   * Rows of C per tile of the flat kernel ({@link #flat}), for vectors of 256 bits or fewer. In a
   * probe on an AVX2 EPYC (panels 240 × 252 × 256, best of 300 calls, after warm-up) it ran 57–81
   * GFLOP/s on flat operands and 63 with the repacking counted, against the 4 × 2 tile's 46–54 on
   * row arrays; 6 × 2 on row arrays ran 31–39.
   */
  static final int MR_FLAT = 6;
  /** The tile height this JVM's vectors get: {@link #MR} at 512 bits, {@link #MR_FLAT} below. */
  static final int ROWS = S.vectorBitSize() > 256 ? MR : MR_FLAT;

  /** Per thread: the flat copy of B's slivers ({@link #flat}). */
  private static final ThreadLocal<float[][]> SLIVERS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

  /**
   * c (mc, nc) += a (mc, kc) · b (kc, nc) with every row of A in {@code a}, with a given tile height:
   * {@link #MR}, {@link #MR_FLAT} (the flat copy of A made here) or {@link #MR_NARROW} (tests run all
   * three); same contract and bits as {@link Gemm#kernel}.
   */
  static void kernel(float[][] c, float[][] a, float[][] b, int mc, int kc, int nc, int rows) {
    if (rows == MR_FLAT) {
      flat(c, a, Gemm.flatCopy(a, MR_FLAT, mc / MR_FLAT * MR_FLAT, kc), b, mc, kc, nc);
      return;
    }
    if (rows == MR) {
      flat8(c, a, Gemm.flatCopy(a, MR, mc / MR * MR, kc), b, mc, kc, nc);
      return;
    }
    int nv = nc / (2 * L) * (2 * L), mv = mc / MR_NARROW * MR_NARROW;
    for (int j = 0; j < nv; j += 2 * L) {
      for (int i = 0; i < mv; i += MR_NARROW) tile4x2(c, a, b, i, j, kc);
    }
    // The edges (the rows past the last whole tile, and the columns past the last pair of vectors)
    // take the plain row loop: few calls reach them, and Vector API code is very slow until C2 has
    // compiled it, which for rarely run code can take many calls. The same FMAs in the same order,
    // so same bits.
    plain(c, a, b, mv, mc, 0, nv, kc);
    plain(c, a, b, 0, mc, nv, nc, kc);
  }

  /**
   * c += a · b with the first m = ⌊mc/6⌋·6 rows of A interleaved in {@code af}
   * ({@code af[t·kc·6 + k·6 + r] = A(6t + r, k)}, {@link Gemm#packFlat}) and the rows after them in
   * {@code a}: {@value #MR_FLAT}-row tiles on af and a flat copy of B's slivers of 2L columns
   * ({@code bp[j·kc + k·2L + l] = b[k][j + l]}), so the loop reads two arrays at running offsets;
   * one {@link #tile4x2} where four or five rows are left over; the edges in plain loops. Same FMAs
   * in the same order as the other tiles.
   */
  private static void flat(float[][] c, float[][] a, float[] af, float[][] b, int mc, int kc, int nc) {
    int w = 2 * L, nv = nc / w * w, tiles = mc / MR_FLAT, m6 = tiles * MR_FLAT;
    if (nv > 0 && tiles > 0) {
      float[] bp = slivers(b, kc, nv);
      for (int j = 0; j < nv; j += w) {
        for (int t = 0; t < tiles; t++) tile6x2(c, af, t * kc * MR_FLAT, bp, j * kc, t * MR_FLAT, j, kc);
      }
    }
    int mv = m6;
    if (mc - m6 >= MR_NARROW) {
      for (int j = 0; j < nv; j += w) tile4x2(c, a, b, m6, j, kc);
      mv += MR_NARROW;
    }
    plain(c, a, b, mv, mc, 0, nv, kc);
    plain(c, a, b, m6, mc, nv, nc, kc);
    flatEdge(c, af, b, m6, MR_FLAT, kc, nv, nc);
  }

  /**
   * Columns [j0, nc) of the first m rows of c += A · b, A's rows read from its flat copy in tiles of
   * {@code rows} ({@link Gemm#packFlat}): the tiled rows' columns past the last vector the tiles took.
   */
  private static void flatEdge(float[][] c, float[] af, float[][] b, int m, int rows, int kc, int j0, int nc) {
    if (j0 >= nc) return;
    for (int i = 0; i < m; i++) {
      float[] ci = c[i];
      int at = i / rows * kc * rows + i % rows;
      for (int k = 0; k < kc; k++) {
        float ak = af[at + k * rows];
        float[] bk = b[k];
        for (int j = j0; j < nc; j++) ci[j] = Math.fma(ak, bk[j], ci[j]);
      }
    }
  }

  /**
   * {@link #flat} with {@value #MR}-row tiles, for 512-bit vectors: the first m = ⌊mc/8⌋·8 rows of A
   * interleaved in {@code af} ({@code af[t·kc·8 + k·8 + r] = A(8t + r, k)}), the rows after them in
   * {@code a}; {@link #tile8x2Flat} on B's slivers of 2L columns copied flat, {@link #tile8x1Flat}
   * where one vector of columns is left after the pairs, the edges in plain loops. Same FMAs in the
   * same order as the other tiles.
   */
  static void flat8(float[][] c, float[][] a, float[] af, float[][] b, int mc, int kc, int nc) {
    int w = 2 * L, nv = nc / w * w, tiles = mc / MR, m8 = tiles * MR, n1 = nv;
    if (tiles > 0) {
      if (nv > 0) {
        float[] bp = slivers(b, kc, nv);
        for (int j = 0; j < nv; j += w) {
          for (int t = 0; t < tiles; t++) tile8x2Flat(c, af, t * kc * MR, bp, j * kc, t * MR, j, kc);
        }
      }
      if (nc - nv >= L) {
        for (int t = 0; t < tiles; t++) tile8x1Flat(c, af, t * kc * MR, b, t * MR, nv, kc);
        n1 += L;
      }
    }
    // the rows past the last tile, every column, from their row arrays
    plain(c, a, b, m8, mc, 0, nc, kc);
    flatEdge(c, af, b, m8, MR, kc, n1, nc);
  }

  /**
   * c += A · b with A(i, k) = {@code a[ao + i·lda + k]} read in place: {@value #MR_FLAT}-row tiles
   * ({@link #tile6x2Strided}) on B's slivers copied flat as in {@link #flat}, the rows past the last
   * tile and the columns past the last pair of vectors in plain loops. Same FMAs in the same order.
   * In a probe of a batch-64 forward by rows of w over three 1200 × 4096 weight matrices (so w
   * streams from memory, as in a train step), 13.9 ms a layer against 16.6 ms packing w first.
   */
  static void strided(float[][] c, float[] a, int ao, int lda, float[][] b, int mc, int kc, int nc) {
    int w = 2 * L, nv = nc / w * w, tiles = mc / MR_FLAT, m6 = tiles * MR_FLAT;
    if (nv > 0 && tiles > 0) {
      float[] bp = slivers(b, kc, nv);
      for (int j = 0; j < nv; j += w) {
        for (int t = 0; t < tiles; t++) tile6x2Strided(c, a, ao + t * MR_FLAT * lda, lda, bp, j * kc, t * MR_FLAT, j, kc);
      }
    }
    stridedEdges(c, a, ao, lda, b, mc, m6, nv, kc, nc);
  }

  /**
   * The edges of c += A · b with A read in place ({@link #strided}, {@link #strided8}): columns
   * [nv, nc) of the first m rows (the tiled ones) and every column of the rows after them.
   */
  private static void stridedEdges(float[][] c, float[] a, int ao, int lda, float[][] b, int mc, int m, int nv, int kc, int nc) {
    for (int i = 0; i < mc; i++) {
      int j0 = i < m ? nv : 0;
      if (j0 >= nc) continue;
      float[] ci = c[i];
      for (int k = 0, q = ao + i * lda; k < kc; k++) {
        float ak = a[q + k];
        float[] bk = b[k];
        for (int j = j0; j < nc; j++) ci[j] = Math.fma(ak, bk[j], ci[j]);
      }
    }
  }

  /**
   * {@link #strided} with {@value #MR}-row tiles ({@link #tile8x2Strided}), for 512-bit vectors: A's
   * rows read in place, B's slivers copied flat, the rows past the last tile and the columns past the
   * last pair of vectors in plain loops. Same FMAs in the same order.
   */
  static void strided8(float[][] c, float[] a, int ao, int lda, float[][] b, int mc, int kc, int nc) {
    int w = 2 * L, nv = nc / w * w, tiles = mc / MR, m8 = tiles * MR;
    if (nv > 0 && tiles > 0) {
      float[] bp = slivers(b, kc, nv);
      for (int j = 0; j < nv; j += w) {
        for (int t = 0; t < tiles; t++) tile8x2Strided(c, a, ao + t * MR * lda, lda, bp, j * kc, t * MR, j, kc);
      }
    }
    stridedEdges(c, a, ao, lda, b, mc, m8, nv, kc, nc);
  }

  /**
   * {@link #strided8} over A's live columns, A(i, k) = {@code a[ao + i·lda + live[l0 + k]]}
   * ({@link #tile8x2Live}); the rows past the last tile and the columns past the last pair of vectors
   * in plain loops. Same FMAs in the same order as {@link #flat8} on the gathered columns.
   */
  static void strided8Live(float[][] c, float[] a, int ao, int lda, int[] live, int l0,
                           float[][] b, int mc, int kc, int nc) {
    int w = 2 * L, nv = nc / w * w, tiles = mc / MR, m8 = tiles * MR;
    if (nv > 0 && tiles > 0) {
      float[] bp = slivers(b, kc, nv);
      for (int j = 0; j < nv; j += w) {
        for (int t = 0; t < tiles; t++) tile8x2Live(c, a, ao + t * MR * lda, lda, live, l0, bp, j * kc, t * MR, j, kc);
      }
    }
    for (int i = 0; i < mc; i++) {
      int j0 = i < m8 ? nv : 0;
      if (j0 >= nc) continue;
      float[] ci = c[i];
      for (int k = 0, q = ao + i * lda; k < kc; k++) {
        float ak = a[q + live[l0 + k]];
        float[] bk = b[k];
        for (int j = j0; j < nc; j++) ci[j] = Math.fma(ak, bk[j], ci[j]);
      }
    }
  }

  /**
   * {@link #flat} with C in place, C(i, j) = {@code c[co + i·ldc + j]}, from +0 when {@code zero}:
   * {@value #MR_FLAT}-row tiles ({@link #tile6x2Into}), the rows past the last tile (all columns) and
   * the tiled rows' columns past the last pair of vectors in plain loops. Same FMAs in the same order.
   */
  static void into(float[] c, int co, int ldc, boolean zero, float[][] a, float[] af, float[][] b, int mc, int kc, int nc) {
    int w = 2 * L, nv = nc / w * w, tiles = mc / MR_FLAT, m6 = tiles * MR_FLAT;
    if (nv > 0 && tiles > 0) {
      float[] bp = slivers(b, kc, nv);
      for (int j = 0; j < nv; j += w) {
        for (int t = 0; t < tiles; t++) {
          tile6x2Into(c, co + t * MR_FLAT * ldc + j, ldc, zero, af, t * kc * MR_FLAT, bp, j * kc, kc);
        }
      }
    }
    for (int i = 0; i < mc; i++) {
      int j0 = i < m6 && nv > 0 ? nv : 0, ci = co + i * ldc;
      if (j0 >= nc) continue;
      if (zero) java.util.Arrays.fill(c, ci + j0, ci + nc, 0f);
      int at = i / MR_FLAT * kc * MR_FLAT + i % MR_FLAT;
      float[] ai = i < m6 ? null : a[i];
      for (int k = 0; k < kc; k++) {
        float ak = ai == null ? af[at + k * MR_FLAT] : ai[k];
        float[] bk = b[k];
        for (int j = j0; j < nc; j++) c[ci + j] = Math.fma(ak, bk[j], c[ci + j]);
      }
    }
  }

  /**
   * {@link #tile6x2} with the 6 × 2L block of C in place from {@code co} (rows {@code ldc} apart),
   * its accumulators starting from +0 when {@code zero}.
   */
  private static void tile6x2Into(float[] c, int co, int ldc, boolean zero, float[] ap, int ao, float[] bp, int bo, int kc) {
    int w = 2 * L, q0 = co, q1 = q0 + ldc, q2 = q1 + ldc, q3 = q2 + ldc, q4 = q3 + ldc, q5 = q4 + ldc;
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (zero) {
      c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
    } else {
      c00 = FloatVector.fromArray(S, c, q0);
      c01 = FloatVector.fromArray(S, c, q0 + L);
      c10 = FloatVector.fromArray(S, c, q1);
      c11 = FloatVector.fromArray(S, c, q1 + L);
      c20 = FloatVector.fromArray(S, c, q2);
      c21 = FloatVector.fromArray(S, c, q2 + L);
      c30 = FloatVector.fromArray(S, c, q3);
      c31 = FloatVector.fromArray(S, c, q3 + L);
      c40 = FloatVector.fromArray(S, c, q4);
      c41 = FloatVector.fromArray(S, c, q4 + L);
      c50 = FloatVector.fromArray(S, c, q5);
      c51 = FloatVector.fromArray(S, c, q5 + L);
    }
    int aEnd = ao + kc * MR_FLAT;
    java.util.Objects.checkFromToIndex(ao, aEnd, ap.length);
    java.util.Objects.checkFromIndexSize(bo, kc * w, bp.length);
    for (int ak = ao, bk = bo; ak < aEnd; ak += MR_FLAT, bk += w) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bk), b1 = FloatVector.fromArray(S, bp, bk + L);
      FloatVector x;
      x = FloatVector.broadcast(S, ap[ak]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, ap[ak + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, ap[ak + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, ap[ak + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, ap[ak + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, ap[ak + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00.intoArray(c, q0);
    c01.intoArray(c, q0 + L);
    c10.intoArray(c, q1);
    c11.intoArray(c, q1 + L);
    c20.intoArray(c, q2);
    c21.intoArray(c, q2 + L);
    c30.intoArray(c, q3);
    c31.intoArray(c, q3 + L);
    c40.intoArray(c, q4);
    c41.intoArray(c, q4 + L);
    c50.intoArray(c, q5);
    c51.intoArray(c, q5 + L);
  }

  /** B's first nv columns (a multiple of 2L) as slivers of 2L, k after k, in this thread's buffer. */
  private static float[] slivers(float[][] b, int kc, int nv) {
    int w = 2 * L;
    float[][] buf = SLIVERS.get();
    if (buf[0].length < nv * kc) buf[0] = new float[nv * kc];
    float[] bp = buf[0];
    for (int j = 0; j < nv; j += w) {
      int base = j * kc;
      for (int k = 0; k < kc; k++) {
        float[] bk = b[k];
        FloatVector.fromArray(S, bk, j).intoArray(bp, base + k * w);
        FloatVector.fromArray(S, bk, j + L).intoArray(bp, base + k * w + L);
      }
    }
    return bp;
  }

  /**
   * {@link #tile6x2} with the six rows of A read in place, {@code lda} apart from {@code ao}: one
   * induction variable along k and five loop-invariant row offsets.
   */
  private static void tile6x2Strided(float[][] c, float[] ap, int ao, int lda, float[] bp, int bo, int i, int j, int kc) {
    int j1 = j + L, w = 2 * L;
    float[] r0 = c[i], r1 = c[i + 1], r2 = c[i + 2], r3 = c[i + 3], r4 = c[i + 4], r5 = c[i + 5];
    FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, j1);
    FloatVector c10 = FloatVector.fromArray(S, r1, j), c11 = FloatVector.fromArray(S, r1, j1);
    FloatVector c20 = FloatVector.fromArray(S, r2, j), c21 = FloatVector.fromArray(S, r2, j1);
    FloatVector c30 = FloatVector.fromArray(S, r3, j), c31 = FloatVector.fromArray(S, r3, j1);
    FloatVector c40 = FloatVector.fromArray(S, r4, j), c41 = FloatVector.fromArray(S, r4, j1);
    FloatVector c50 = FloatVector.fromArray(S, r5, j), c51 = FloatVector.fromArray(S, r5, j1);
    int l1 = lda, l2 = 2 * lda, l3 = 3 * lda, l4 = 4 * lda, l5 = 5 * lda, aEnd = ao + kc;
    java.util.Objects.checkFromToIndex(ao, aEnd + l5, ap.length);
    java.util.Objects.checkFromIndexSize(bo, kc * w, bp.length);
    for (int ak = ao, bk = bo; ak < aEnd; ak++, bk += w) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bk), b1 = FloatVector.fromArray(S, bp, bk + L);
      FloatVector x;
      x = FloatVector.broadcast(S, ap[ak]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, ap[ak + l1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, ap[ak + l2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, ap[ak + l3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, ap[ak + l4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, ap[ak + l5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00.intoArray(r0, j);
    c01.intoArray(r0, j1);
    c10.intoArray(r1, j);
    c11.intoArray(r1, j1);
    c20.intoArray(r2, j);
    c21.intoArray(r2, j1);
    c30.intoArray(r3, j);
    c31.intoArray(r3, j1);
    c40.intoArray(r4, j);
    c41.intoArray(r4, j1);
    c50.intoArray(r5, j);
    c51.intoArray(r5, j1);
  }

  /** Rows i..i+5, columns j..j+2L of C from the flat A tile at {@code ao} and B sliver at {@code bo}. */
  private static void tile6x2(float[][] c, float[] ap, int ao, float[] bp, int bo, int i, int j, int kc) {
    int j1 = j + L, w = 2 * L;
    float[] r0 = c[i], r1 = c[i + 1], r2 = c[i + 2], r3 = c[i + 3], r4 = c[i + 4], r5 = c[i + 5];
    FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, j1);
    FloatVector c10 = FloatVector.fromArray(S, r1, j), c11 = FloatVector.fromArray(S, r1, j1);
    FloatVector c20 = FloatVector.fromArray(S, r2, j), c21 = FloatVector.fromArray(S, r2, j1);
    FloatVector c30 = FloatVector.fromArray(S, r3, j), c31 = FloatVector.fromArray(S, r3, j1);
    FloatVector c40 = FloatVector.fromArray(S, r4, j), c41 = FloatVector.fromArray(S, r4, j1);
    FloatVector c50 = FloatVector.fromArray(S, r5, j), c51 = FloatVector.fromArray(S, r5, j1);
    // Two induction variables stepping by the tiles' strides, and one bounds check before the loop:
    // written as ao + k·6 and bo + k·2L, C2 kept two range checks and three stack reloads per step
    // (80 GFLOP/s in a probe on an AVX2 EPYC, 240 × 252 × 256 panels); like this it ran 95.
    int aEnd = ao + kc * MR_FLAT;
    java.util.Objects.checkFromToIndex(ao, aEnd, ap.length);
    java.util.Objects.checkFromIndexSize(bo, kc * w, bp.length);
    for (int ak = ao, bk = bo; ak < aEnd; ak += MR_FLAT, bk += w) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bk), b1 = FloatVector.fromArray(S, bp, bk + L);
      FloatVector x;
      x = FloatVector.broadcast(S, ap[ak]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, ap[ak + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, ap[ak + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, ap[ak + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, ap[ak + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, ap[ak + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00.intoArray(r0, j);
    c01.intoArray(r0, j1);
    c10.intoArray(r1, j);
    c11.intoArray(r1, j1);
    c20.intoArray(r2, j);
    c21.intoArray(r2, j1);
    c30.intoArray(r3, j);
    c31.intoArray(r3, j1);
    c40.intoArray(r4, j);
    c41.intoArray(r4, j1);
    c50.intoArray(r5, j);
    c51.intoArray(r5, j1);
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

  /** Rows i..i+3, columns j..j+2L of C, over the whole depth (same FMAs as {@link #tile6x2}). */
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

  /** Rows i..i+7, columns j..j+2L of C from the flat 8-row A tile at {@code ao} and B sliver at {@code bo}. */
  private static void tile8x2Flat(float[][] c, float[] ap, int ao, float[] bp, int bo, int i, int j, int kc) {
    int j1 = j + L, w = 2 * L;
    float[] r0 = c[i], r1 = c[i + 1], r2 = c[i + 2], r3 = c[i + 3], r4 = c[i + 4], r5 = c[i + 5], r6 = c[i + 6], r7 = c[i + 7];
    FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, j1);
    FloatVector c10 = FloatVector.fromArray(S, r1, j), c11 = FloatVector.fromArray(S, r1, j1);
    FloatVector c20 = FloatVector.fromArray(S, r2, j), c21 = FloatVector.fromArray(S, r2, j1);
    FloatVector c30 = FloatVector.fromArray(S, r3, j), c31 = FloatVector.fromArray(S, r3, j1);
    FloatVector c40 = FloatVector.fromArray(S, r4, j), c41 = FloatVector.fromArray(S, r4, j1);
    FloatVector c50 = FloatVector.fromArray(S, r5, j), c51 = FloatVector.fromArray(S, r5, j1);
    FloatVector c60 = FloatVector.fromArray(S, r6, j), c61 = FloatVector.fromArray(S, r6, j1);
    FloatVector c70 = FloatVector.fromArray(S, r7, j), c71 = FloatVector.fromArray(S, r7, j1);
    int aEnd = ao + kc * MR;
    java.util.Objects.checkFromToIndex(ao, aEnd, ap.length);
    java.util.Objects.checkFromIndexSize(bo, kc * w, bp.length);
    for (int ak = ao, bk = bo; ak < aEnd; ak += MR, bk += w) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bk), b1 = FloatVector.fromArray(S, bp, bk + L);
      FloatVector x;
      x = FloatVector.broadcast(S, ap[ak]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, ap[ak + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, ap[ak + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, ap[ak + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, ap[ak + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, ap[ak + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, ap[ak + 6]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, ap[ak + 7]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    c00.intoArray(r0, j);
    c01.intoArray(r0, j1);
    c10.intoArray(r1, j);
    c11.intoArray(r1, j1);
    c20.intoArray(r2, j);
    c21.intoArray(r2, j1);
    c30.intoArray(r3, j);
    c31.intoArray(r3, j1);
    c40.intoArray(r4, j);
    c41.intoArray(r4, j1);
    c50.intoArray(r5, j);
    c51.intoArray(r5, j1);
    c60.intoArray(r6, j);
    c61.intoArray(r6, j1);
    c70.intoArray(r7, j);
    c71.intoArray(r7, j1);
  }

  /** Rows i..i+7, columns j..j+L of C from the flat 8-row A tile at {@code ao} and B's row arrays. */
  private static void tile8x1Flat(float[][] c, float[] ap, int ao, float[][] b, int i, int j, int kc) {
    float[] r0 = c[i], r1 = c[i + 1], r2 = c[i + 2], r3 = c[i + 3], r4 = c[i + 4], r5 = c[i + 5], r6 = c[i + 6], r7 = c[i + 7];
    FloatVector c0 = FloatVector.fromArray(S, r0, j);
    FloatVector c1 = FloatVector.fromArray(S, r1, j);
    FloatVector c2 = FloatVector.fromArray(S, r2, j);
    FloatVector c3 = FloatVector.fromArray(S, r3, j);
    FloatVector c4 = FloatVector.fromArray(S, r4, j);
    FloatVector c5 = FloatVector.fromArray(S, r5, j);
    FloatVector c6 = FloatVector.fromArray(S, r6, j);
    FloatVector c7 = FloatVector.fromArray(S, r7, j);
    java.util.Objects.checkFromToIndex(ao, ao + kc * MR, ap.length);
    for (int k = 0, ak = ao; k < kc; k++, ak += MR) {
      FloatVector b0 = FloatVector.fromArray(S, b[k], j);
      c0 = FloatVector.broadcast(S, ap[ak]).fma(b0, c0);
      c1 = FloatVector.broadcast(S, ap[ak + 1]).fma(b0, c1);
      c2 = FloatVector.broadcast(S, ap[ak + 2]).fma(b0, c2);
      c3 = FloatVector.broadcast(S, ap[ak + 3]).fma(b0, c3);
      c4 = FloatVector.broadcast(S, ap[ak + 4]).fma(b0, c4);
      c5 = FloatVector.broadcast(S, ap[ak + 5]).fma(b0, c5);
      c6 = FloatVector.broadcast(S, ap[ak + 6]).fma(b0, c6);
      c7 = FloatVector.broadcast(S, ap[ak + 7]).fma(b0, c7);
    }
    c0.intoArray(r0, j);
    c1.intoArray(r1, j);
    c2.intoArray(r2, j);
    c3.intoArray(r3, j);
    c4.intoArray(r4, j);
    c5.intoArray(r5, j);
    c6.intoArray(r6, j);
    c7.intoArray(r7, j);
  }

  /**
   * {@link #tile8x2Flat} with the eight rows of A read in place, {@code lda} apart from {@code ao}:
   * two row bases four rows apart and three loop-invariant offsets, so the loop needs few registers.
   */
  private static void tile8x2Strided(float[][] c, float[] ap, int ao, int lda, float[] bp, int bo, int i, int j, int kc) {
    int j1 = j + L, w = 2 * L;
    float[] r0 = c[i], r1 = c[i + 1], r2 = c[i + 2], r3 = c[i + 3], r4 = c[i + 4], r5 = c[i + 5], r6 = c[i + 6], r7 = c[i + 7];
    FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, j1);
    FloatVector c10 = FloatVector.fromArray(S, r1, j), c11 = FloatVector.fromArray(S, r1, j1);
    FloatVector c20 = FloatVector.fromArray(S, r2, j), c21 = FloatVector.fromArray(S, r2, j1);
    FloatVector c30 = FloatVector.fromArray(S, r3, j), c31 = FloatVector.fromArray(S, r3, j1);
    FloatVector c40 = FloatVector.fromArray(S, r4, j), c41 = FloatVector.fromArray(S, r4, j1);
    FloatVector c50 = FloatVector.fromArray(S, r5, j), c51 = FloatVector.fromArray(S, r5, j1);
    FloatVector c60 = FloatVector.fromArray(S, r6, j), c61 = FloatVector.fromArray(S, r6, j1);
    FloatVector c70 = FloatVector.fromArray(S, r7, j), c71 = FloatVector.fromArray(S, r7, j1);
    int l1 = lda, l2 = 2 * lda, l3 = 3 * lda, l4 = 4 * lda, aEnd = ao + kc;
    java.util.Objects.checkFromToIndex(ao, aEnd + l4 + l3, ap.length);
    java.util.Objects.checkFromIndexSize(bo, kc * w, bp.length);
    for (int ak = ao, bk = bo; ak < aEnd; ak++, bk += w) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bk), b1 = FloatVector.fromArray(S, bp, bk + L);
      int ak4 = ak + l4;
      FloatVector x;
      x = FloatVector.broadcast(S, ap[ak]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, ap[ak + l1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, ap[ak + l2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, ap[ak + l3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, ap[ak4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, ap[ak4 + l1]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, ap[ak4 + l2]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, ap[ak4 + l3]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    c00.intoArray(r0, j);
    c01.intoArray(r0, j1);
    c10.intoArray(r1, j);
    c11.intoArray(r1, j1);
    c20.intoArray(r2, j);
    c21.intoArray(r2, j1);
    c30.intoArray(r3, j);
    c31.intoArray(r3, j1);
    c40.intoArray(r4, j);
    c41.intoArray(r4, j1);
    c50.intoArray(r5, j);
    c51.intoArray(r5, j1);
    c60.intoArray(r6, j);
    c61.intoArray(r6, j1);
    c70.intoArray(r7, j);
    c71.intoArray(r7, j1);
  }

  /**
   * {@link #tile8x2Strided} over A's live columns, A(i, k) = {@code ap[ao + i·lda + live[l0 + k]]}:
   * one index load a step instead of a gathered copy of w. In a JFR profile of a 1-thread dSprites
   * step, the first layer's forward fell from 8.3% of the samples (5.6% the gather, 2.7% the tile on
   * the gathered panel) to 5.3%. One loop over k: a loop over runs of consecutive columns with the k
   * loop inside it made the whole step take 2.4 times as long, as if C2 no longer kept the
   * accumulators in registers across the two loops.
   */
  private static void tile8x2Live(float[][] c, float[] ap, int ao, int lda, int[] live, int l0, float[] bp, int bo,
                                  int i, int j, int kc) {
    int j1 = j + L, w = 2 * L;
    float[] r0 = c[i], r1 = c[i + 1], r2 = c[i + 2], r3 = c[i + 3], r4 = c[i + 4], r5 = c[i + 5], r6 = c[i + 6], r7 = c[i + 7];
    FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, j1);
    FloatVector c10 = FloatVector.fromArray(S, r1, j), c11 = FloatVector.fromArray(S, r1, j1);
    FloatVector c20 = FloatVector.fromArray(S, r2, j), c21 = FloatVector.fromArray(S, r2, j1);
    FloatVector c30 = FloatVector.fromArray(S, r3, j), c31 = FloatVector.fromArray(S, r3, j1);
    FloatVector c40 = FloatVector.fromArray(S, r4, j), c41 = FloatVector.fromArray(S, r4, j1);
    FloatVector c50 = FloatVector.fromArray(S, r5, j), c51 = FloatVector.fromArray(S, r5, j1);
    FloatVector c60 = FloatVector.fromArray(S, r6, j), c61 = FloatVector.fromArray(S, r6, j1);
    FloatVector c70 = FloatVector.fromArray(S, r7, j), c71 = FloatVector.fromArray(S, r7, j1);
    int l1 = lda, l2 = 2 * lda, l3 = 3 * lda, l4 = 4 * lda;
    java.util.Objects.checkFromIndexSize(bo, kc * w, bp.length);
    java.util.Objects.checkFromIndexSize(l0, kc, live.length);
    for (int k = l0, kEnd = l0 + kc, bk = bo; k < kEnd; k++, bk += w) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bk), b1 = FloatVector.fromArray(S, bp, bk + L);
      int ak = ao + live[k], ak4 = ak + l4;
      FloatVector x;
      x = FloatVector.broadcast(S, ap[ak]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, ap[ak + l1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, ap[ak + l2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, ap[ak + l3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, ap[ak4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, ap[ak4 + l1]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, ap[ak4 + l2]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, ap[ak4 + l3]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    c00.intoArray(r0, j);
    c01.intoArray(r0, j1);
    c10.intoArray(r1, j);
    c11.intoArray(r1, j1);
    c20.intoArray(r2, j);
    c21.intoArray(r2, j1);
    c30.intoArray(r3, j);
    c31.intoArray(r3, j1);
    c40.intoArray(r4, j);
    c41.intoArray(r4, j1);
    c50.intoArray(r5, j);
    c51.intoArray(r5, j1);
    c60.intoArray(r6, j);
    c61.intoArray(r6, j1);
    c70.intoArray(r7, j);
    c71.intoArray(r7, j1);
  }
}
