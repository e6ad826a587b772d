package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Conv2d;

/**
 * The CPU engine's fast convolutions: each of {@link ConvOps}' three primitives as one product
 * through the dense layers' blocked GEMM ({@link DenseOps}), on operand rows gathered from the
 * images (im2col), samples taken in chunks so that the gathered rows stay under
 * {@link #MAX_ROWS_FLOATS}.
 *
 * <p>Same bits as {@link ConvOps}: a gathered row lists a output's terms in the order ConvOps takes
 * them ((c, kh, kw) for {@code narrow}; (o, kh, kw) for {@code wide}; (n, i, j) for {@code kernel},
 * as the rows of the product), the GEMM takes one fma per term in that order from the same start,
 * and the taps ConvOps skips (padding, and for {@code wide} the taps a stride does not reach) are
 * zeros here, which add exactly nothing to a sum that starts at +0 and so is never −0. Only the
 * activation differs where {@link FastMath} approximates one (tanh, sigmoid); ReLU and identity are
 * exact.
 */
final class ConvGemm {
  /** Output channels up to which {@link #wide} runs direct ({@link #wideDirect}) instead of as a product. */
  static final int DIRECT_MAX_CHANNELS = 4;
  /**
   * Floats of gathered rows per product, 4 MB, so the scratch stays small and the rows can still be
   * in the last-level cache when the product reads them (64 MB was no faster per step).
   */
  static final long MAX_ROWS_FLOATS = 1L << 20;

  private final WorkerPool pool;
  private final DenseOps dense;
  private float[] rows = new float[0], out = new float[0], grad = new float[0], kt = new float[0], zeros = new float[0];

  ConvGemm(WorkerPool pool, DenseOps dense) {
    this.pool = pool;
    this.dense = dense;
  }

  private static float[] grow(float[] a, long n) {
    if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("conv: " + n + " floats of scratch is more than one array holds");
    return a.length >= n ? a : new float[(int) n];
  }

  private float[] zeros(int n) {
    if (zeros.length < n) zeros = new float[n];
    return zeros;
  }

  /** Samples per product for rows of {@code perSample} floats. */
  private static int chunk(long perSample, int batch) {
    return (int) Math.max(1, Math.min(batch, MAX_ROWS_FLOATS / Math.max(1, perSample)));
  }

  /** Y planes = act(Σ_(c,kh,kw) X·K + b) for every sample; b may be null. */
  void narrow(float[] y, int yo, float[] x, int xo, float[] k, int ko, float[] b, int bo, Conv2d s, Activation act) {
    int C = s.wideC(), H = s.wideH(), W = s.wideW(), O = s.narrowC(), OH = s.narrowH(), OW = s.narrowW();
    int kk = s.kernel(), st = s.stride(), pad = s.pad(), P = OH * OW, K = C * kk * kk;
    float[] bias = b != null ? b : zeros(O);
    int biasOff = b != null ? bo : 0;
    int step = chunk((long) P * K, s.batch());
    for (int n0 = 0; n0 < s.batch(); n0 += step) {
      int nc = Math.min(step, s.batch() - n0), first = n0;
      rows = grow(rows, (long) nc * P * K);
      out = grow(out, (long) nc * P * O);
      float[] r = rows, o = out;
      pool.run((t, worker) -> im2col(r, t * P * K, x, xo, first + t, s), nc);
      dense.forward(o, 0, r, 0, k, ko, bias, biasOff, nc * P, K, O, act);
      unrows(y, yo, o, n0, nc, O, P);
    }
  }

  /**
   * X planes = act(Σ_(o,kh,kw) Y·K + b) for every sample; b may be null. By stride phase: the
   * positions (h, w) with the same (h + p) mod s and (w + p) mod s meet the same taps kh ≡ h + p,
   * kw ≡ w + p (mod s), so each phase is one product over O·⌈k/s⌉² terms instead of O·k² of which
   * most would be zeros; a row lists them as (o, kh, kw) ascending, the order of {@link ConvOps#wide}.
   */
  void wide(float[] x, int xo, float[] y, int yo, float[] k, int ko, float[] b, int bo, Conv2d s, Activation act) {
    int C = s.wideC(), H = s.wideH(), W = s.wideW(), O = s.narrowC(), OH = s.narrowH(), OW = s.narrowW();
    int kk = s.kernel(), st = s.stride(), pad = s.pad();
    if (C <= DIRECT_MAX_CHANNELS) {
      pool.run((n, worker) -> wideDirect(x, xo, y, yo, k, ko, b, bo, s, act, n), s.batch());
      return;
    }
    float[] bias = b != null ? b : zeros(C);
    int biasOff = b != null ? bo : 0;
    for (int rh = 0; rh < st; rh++) {
      for (int rw = 0; rw < st; rw++) {
        int nh = rh < kk ? (kk - rh + st - 1) / st : 0, nw = rw < kk ? (kk - rw + st - 1) / st : 0;
        // the positions of this phase: h ≡ rh − p (mod s)
        int h0 = Math.floorMod(rh - pad, st), w0 = Math.floorMod(rw - pad, st);
        int ph = h0 < H ? (H - h0 + st - 1) / st : 0, pw = w0 < W ? (W - w0 + st - 1) / st : 0;
        int P = ph * pw, K = O * nh * nw;
        if (P == 0) continue;
        if (K == 0) {
          // no tap reaches these positions: the bias alone (an empty sum is +0)
          for (int n = 0; n < s.batch(); n++) {
            for (int c = 0; c < C; c++) {
              float v = act.apply(0f + bias[biasOff + c]);
              for (int a = 0; a < ph; a++) for (int q = 0; q < pw; q++) x[xo + ((n * C + c) * H + h0 + a * st) * W + w0 + q * st] = v;
            }
          }
          continue;
        }
        // the phase's weight as (C, K): [c][(o, a, q)] = K[o][c][rh + a·s][rw + q·s]
        kt = grow(kt, (long) C * K);
        for (int o = 0; o < O; o++) {
          for (int c = 0; c < C; c++) {
            for (int a = 0; a < nh; a++) {
              for (int q = 0; q < nw; q++) kt[c * K + (o * nh + a) * nw + q] = k[ko + ((o * C + c) * kk + rh + a * st) * kk + rw + q * st];
            }
          }
        }
        int step = chunk((long) P * K, s.batch());
        final int fnh = nh, fnw = nw, fh0 = h0, fw0 = w0, fph = ph, fpw = pw, frh = rh, frw = rw;
        for (int n0 = 0; n0 < s.batch(); n0 += step) {
          int nc = Math.min(step, s.batch() - n0), first = n0;
          rows = grow(rows, (long) nc * P * K);
          out = grow(out, (long) nc * P * C);
          float[] r = rows, o = out;
          pool.run((t, worker) -> {
            int n = first + t;
            for (int a0 = 0; a0 < fph; a0++) {
              int h = fh0 + a0 * st;
              for (int q0 = 0; q0 < fpw; q0++) {
                int w = fw0 + q0 * st, row = ((t * fph + a0) * fpw + q0) * K, e = 0;
                // tap kh = rh + a·s reads row i0 − a of Y (exact division: h + p − rh ≡ 0 mod s)
                int i0 = Math.floorDiv(h + pad - frh, st), j0 = Math.floorDiv(w + pad - frw, st);
                if (i0 - fnh + 1 >= 0 && i0 < OH && j0 - fnw + 1 >= 0 && j0 < OW) {
                  // every tap inside Y: no checks
                  for (int oc = 0; oc < O; oc++) {
                    int plane = yo + (n * O + oc) * OH * OW + i0 * OW + j0;
                    for (int a = 0; a < fnh; a++) {
                      int yRow = plane - a * OW;
                      for (int q = 0; q < fnw; q++, e++) r[row + e] = y[yRow - q];
                    }
                  }
                  continue;
                }
                for (int oc = 0; oc < O; oc++) {
                  int plane = yo + (n * O + oc) * OH * OW;
                  for (int a = 0; a < fnh; a++) {
                    int i = i0 - a;
                    boolean rowOk = i >= 0 && i < OH;
                    int yRow = plane + i * OW;
                    for (int q = 0; q < fnw; q++, e++) {
                      int j = j0 - q;
                      r[row + e] = rowOk && j >= 0 && j < OW ? y[yRow + j] : 0f;
                    }
                  }
                }
              }
            }
          }, nc);
          dense.forward(o, 0, r, 0, kt, 0, bias, biasOff, nc * P, K, C, act);
          pool.run((t, worker) -> {
            int n = first + t;
            for (int c = 0; c < C; c++) {
              int plane = xo + (n * C + c) * H * W;
              for (int a0 = 0; a0 < fph; a0++) {
                for (int q0 = 0; q0 < fpw; q0++) x[plane + (fh0 + a0 * st) * W + fw0 + q0 * st] = o[((t * fph + a0) * fpw + q0) * C + c];
              }
            }
          }, nc);
        }
      }
    }
  }

  /**
   * {@link #wide} of sample n without gathering, for few output channels (the decoder's last
   * transposed convolution has one): a product with one to four columns would leave the GEMM's
   * vector loop empty and cost as much to gather as to multiply. Each output row of a stride phase
   * is one accumulator row, and every tap (o, kh, kw) adds a contiguous run of a row of Y scaled by
   * one kernel value, taps in (o, kh, kw) order, so every element takes {@link ConvOps#wide}'s FMAs
   * in its order (taps outside Y skipped, as there).
   */
  private static void wideDirect(float[] x, int xo, float[] y, int yo, float[] k, int ko, float[] b, int bo,
                                 Conv2d s, Activation act, int n) {
    int C = s.wideC(), H = s.wideH(), W = s.wideW(), O = s.narrowC(), OH = s.narrowH(), OW = s.narrowW();
    int kk = s.kernel(), st = s.stride(), pad = s.pad();
    float[] acc = new float[W], bias = new float[W];
    for (int c = 0; c < C; c++) {
      java.util.Arrays.fill(bias, b == null ? 0f : b[bo + c]);
      for (int h = 0; h < H; h++) {
        int rh = Math.floorMod(h + pad, st), i0 = Math.floorDiv(h + pad - rh, st);
        int nh = rh < kk ? (kk - rh + st - 1) / st : 0;
        int row = xo + ((n * C + c) * H + h) * W;
        for (int rw = 0; rw < st; rw++) {
          int w0 = Math.floorMod(rw - pad, st);
          if (w0 >= W) continue;
          int pw = (W - w0 + st - 1) / st, nw = rw < kk ? (kk - rw + st - 1) / st : 0;
          // position q0 (w = w0 + q0·s) meets tap kw = rw + q·s at column J + q0 − q of Y
          int J = Math.floorDiv(w0 + pad - rw, st);
          java.util.Arrays.fill(acc, 0, pw, 0f);
          for (int o = 0; o < O; o++) {
            int plane = yo + (n * O + o) * OH * OW, kPlane = ko + (o * C + c) * kk * kk;
            for (int a = 0; a < nh; a++) {
              int i = i0 - a;
              if (i < 0 || i >= OH) continue;
              int yRow = plane + i * OW, kRow = kPlane + (rh + a * st) * kk + rw;
              for (int q = 0; q < nw; q++) {
                float kv = k[kRow + q * st];
                int lo = Math.max(0, q - J), hi = Math.min(pw, OW + q - J), off = yRow + J - q;
                for (int q0 = lo; q0 < hi; q0++) acc[q0] = Math.fma(y[off + q0], kv, acc[q0]);
              }
            }
          }
          FastMath.biasActivate(acc, bias, pw, act);
          for (int q0 = 0; q0 < pw; q0++) x[row + w0 + q0 * st] = acc[q0];
        }
      }
    }
  }

  /** K (O, C·k²) += Σ over (n, i, j) of Y[n, o, i, j]·X-row(n, i, j), rows in order. */
  void kernel(float[] k, int ko, float[] x, int xo, float[] y, int yo, Conv2d s) {
    int C = s.wideC(), H = s.wideH(), W = s.wideW(), O = s.narrowC(), OH = s.narrowH(), OW = s.narrowW();
    int kk = s.kernel(), st = s.stride(), pad = s.pad(), P = OH * OW, K = C * kk * kk;
    int step = chunk((long) P * (K + O), s.batch());
    float[] db = new float[O];
    for (int n0 = 0; n0 < s.batch(); n0 += step) {
      int nc = Math.min(step, s.batch() - n0), first = n0;
      rows = grow(rows, (long) nc * P * K);
      grad = grow(grad, (long) nc * P * O);
      float[] r = rows, g = grad;
      pool.run((t, worker) -> {
        int n = first + t;
        im2col(r, t * P * K, x, xo, n, s);
        // the output gradient as rows (n, i, j) of O values
        for (int pos = 0; pos < P; pos++) {
          for (int oc = 0; oc < O; oc++) g[(t * P + pos) * O + oc] = y[yo + (n * O + oc) * P + pos];
        }
      }, nc);
      // dw (O, K) += gᵀ·rows: the dense layer's weight gradient, summed over the rows in order
      java.util.Arrays.fill(db, 0f);
      dense.backward(null, 0, k, ko, db, 0, g, 0, g, 0, r, 0, k, ko, nc * P, K, O, Activation.IDENTITY);
    }
  }

  /**
   * Rows (i, j) of sample n, from {@code r[at]} on: X[n, c, i·s+kh−p, j·s+kw−p] over (c, kh, kw),
   * 0 outside the image.
   */
  private static void im2col(float[] r, int at, float[] x, int xo, int n, Conv2d s) {
    int C = s.wideC(), H = s.wideH(), W = s.wideW(), OH = s.narrowH(), OW = s.narrowW();
    int kk = s.kernel(), st = s.stride(), pad = s.pad(), e = at;
    for (int i = 0; i < OH; i++) {
      int h0 = i * st - pad;
      for (int j = 0; j < OW; j++) {
        int w0 = j * st - pad;
        boolean inside = w0 >= 0 && w0 + kk <= W;
        for (int c = 0; c < C; c++) {
          int plane = xo + (n * C + c) * H * W;
          for (int kh = 0; kh < kk; kh++, e += kk) {
            int h = h0 + kh;
            if (h < 0 || h >= H) {
              java.util.Arrays.fill(r, e, e + kk, 0f);
            } else if (inside) {
              System.arraycopy(x, plane + h * W + w0, r, e, kk);
            } else {
              for (int kw = 0; kw < kk; kw++) {
                int w = w0 + kw;
                r[e + kw] = w >= 0 && w < W ? x[plane + h * W + w] : 0f;
              }
            }
          }
        }
      }
    }
  }

  /** dst planes (n0 + t, c) ← rows (t, pos) of {@code src} (channels per row {@code ch}). */
  private void unrows(float[] dst, int dsto, float[] src, int n0, int nc, int ch, int P) {
    pool.run((t, worker) -> {
      int n = n0 + t;
      for (int c = 0; c < ch; c++) {
        int plane = dsto + (n * ch + c) * P;
        for (int pos = 0; pos < P; pos++) dst[plane + pos] = src[(t * P + pos) * ch + c];
      }
    }, nc);
  }
}
