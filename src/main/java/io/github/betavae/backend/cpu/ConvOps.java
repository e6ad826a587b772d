package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Conv2d;

/**
 * Convolutions on the CPU, on the geometry of {@link Conv2d}: a wide tensor X (B, C, H, W), a narrow
 * one Y (B, O, OH, OW) and K (O, C, k, k). Three primitives, each computing whole planes so that a
 * worker owns every element it writes:
 *
 * <pre>
 * narrow  Y[n,o,i,j] = Σ_c Σ_kh Σ_kw X[n,c,i·s+kh−p, j·s+kw−p]·K[o,c,kh,kw]         (c, kh, kw ascending)
 * wide    X[n,c,h,w] = Σ_o Σ_kh Σ_kw Y[n,o,(h+p−kh)/s, (w+p−kw)/s]·K[o,c,kh,kw]     (o, kh, kw ascending;
 *                                                        only where the division is exact and in range)
 * kernel  K[o,c,kh,kw] += Σ_n Σ_i Σ_j Y[n,o,i,j]·X[n,c,i·s+kh−p, j·s+kw−p]         (n, i, j ascending)
 * </pre>
 *
 * The weight gradient starts from the value being accumulated into and takes one fma per term, as
 * the dense layers' do ({@link Gemm}); every other sum starts at 0.
 *
 * A convolution's forward is {@code narrow} (X = input), its input gradient {@code wide} and its
 * weight gradient {@code kernel}; a transposed convolution's forward is {@code wide} (Y = input),
 * its input gradient {@code narrow} and its weight gradient {@code kernel} with the roles of input
 * and output gradient swapped. Every sum starts at 0 and takes one fused multiply-add per term in the
 * order above ({@link Math#fma}, as {@code fmaf} in {@code kernels/conv.cu}); a bias is added to the
 * finished sum, then the activation. The CUDA kernels take the same terms in the same order for
 * {@code narrow}, {@code wide} and {@code kernel}, so those agree bit for bit; the bias gradient
 * reduces in a tree there. {@link ConvGemm} (the engine's fast path) gives these loops' bits too.
 */
public final class ConvOps {
  private ConvOps() {}

  /**
   * Y planes (n, o) for the flat plane indices [p0, p1), p = n·O + o; bias may be null. A plane is
   * accumulated a whole (c, kh, kw) term at a time, so each element still takes its terms in the
   * order (c, kh, kw), one fma each (the same bits as one element at a time), with straight inner loops.
   */
  public static void narrow(float[] y, int yo, float[] x, int xo, float[] k, int ko, float[] b, int bo, Conv2d s,
                            Activation act, int p0, int p1) {
    int C = s.wideC(), H = s.wideH(), W = s.wideW(), O = s.narrowC(), OH = s.narrowH(), OW = s.narrowW();
    int kk = s.kernel(), st = s.stride(), pad = s.pad();
    float[] acc = new float[OH * OW];
    for (int p = p0; p < p1; p++) {
      int n = p / O, o = p % O;
      java.util.Arrays.fill(acc, 0f);
      for (int c = 0; c < C; c++) {
        int xPlane = xo + (n * C + c) * H * W, kPlane = ko + (o * C + c) * kk * kk;
        for (int kh = 0; kh < kk; kh++) {
          for (int kw = 0; kw < kk; kw++) {
            float wv = k[kPlane + kh * kk + kw];
            // columns j with 0 ≤ j·s + kw − p < W
            int j0 = Math.max(0, ceilDiv(pad - kw, st)), j1 = Math.min(OW, ceilDiv(W + pad - kw, st));
            for (int i = 0; i < OH; i++) {
              int h = i * st + kh - pad;
              if (h < 0 || h >= H) continue;
              int xr = xPlane + h * W + kw - pad, ar = i * OW;
              for (int j = j0; j < j1; j++) acc[ar + j] = Math.fma(x[xr + j * st], wv, acc[ar + j]);
            }
          }
        }
      }
      float bias = b == null ? 0f : b[bo + o];
      int out = yo + p * OH * OW;
      for (int e = 0; e < OH * OW; e++) y[out + e] = act.apply(acc[e] + bias);
    }
  }

  /**
   * X planes (n, c) for the flat plane indices [p0, p1), p = n·C + c; bias may be null. Computed by
   * scattering each (o, kh, kw) term over the plane: an element of X meets each (o, kh, kw) at most
   * once, so it takes its terms in the order (o, kh, kw), one fma each, the same bits as gathering them.
   */
  public static void wide(float[] x, int xo, float[] y, int yo, float[] k, int ko, float[] b, int bo, Conv2d s,
                          Activation act, int p0, int p1) {
    int C = s.wideC(), H = s.wideH(), W = s.wideW(), O = s.narrowC(), OH = s.narrowH(), OW = s.narrowW();
    int kk = s.kernel(), st = s.stride(), pad = s.pad();
    float[] acc = new float[H * W];
    for (int p = p0; p < p1; p++) {
      int n = p / C, c = p % C;
      java.util.Arrays.fill(acc, 0f);
      for (int o = 0; o < O; o++) {
        int yPlane = yo + (n * O + o) * OH * OW, kPlane = ko + (o * C + c) * kk * kk;
        for (int kh = 0; kh < kk; kh++) {
          for (int kw = 0; kw < kk; kw++) {
            float wv = k[kPlane + kh * kk + kw];
            int j0 = Math.max(0, ceilDiv(pad - kw, st)), j1 = Math.min(OW, ceilDiv(W + pad - kw, st));
            for (int i = 0; i < OH; i++) {
              int h = i * st + kh - pad;
              if (h < 0 || h >= H) continue;
              int ar = h * W + kw - pad, yr = yPlane + i * OW;
              for (int j = j0; j < j1; j++) acc[ar + j * st] = Math.fma(y[yr + j], wv, acc[ar + j * st]);
            }
          }
        }
      }
      float bias = b == null ? 0f : b[bo + c];
      int out = xo + p * H * W;
      for (int e = 0; e < H * W; e++) x[out + e] = act.apply(acc[e] + bias);
    }
  }

  /** ⌈a / b⌉ for b > 0 and any a. */
  private static int ceilDiv(int a, int b) {
    return -Math.floorDiv(-a, b);
  }

  /** K[o, c, ·, ·] += Σ Y·X for the flat (o, c) indices [q0, q1), q = o·C + c. */
  public static void kernel(float[] k, int ko, float[] x, int xo, float[] y, int yo, Conv2d s, int q0, int q1) {
    int C = s.wideC(), H = s.wideH(), W = s.wideW(), O = s.narrowC(), OH = s.narrowH(), OW = s.narrowW();
    int kk = s.kernel(), st = s.stride(), pad = s.pad(), B = s.batch();
    for (int q = q0; q < q1; q++) {
      int o = q / C, c = q % C;
      for (int kh = 0; kh < kk; kh++) {
        for (int kw = 0; kw < kk; kw++) {
          int at = ko + q * kk * kk + kh * kk + kw;
          float acc = k[at];  // the gradient accumulated so far, then one fma per term (as the dense layers)
          for (int n = 0; n < B; n++) {
            int yPlane = yo + (n * O + o) * OH * OW, xPlane = xo + (n * C + c) * H * W;
            for (int i = 0; i < OH; i++) {
              int h = i * st + kh - pad;
              if (h < 0 || h >= H) continue;
              for (int j = 0; j < OW; j++) {
                int w = j * st + kw - pad;
                if (w < 0 || w >= W) continue;
                acc = Math.fma(y[yPlane + i * OW + j], x[xPlane + h * W + w], acc);
              }
            }
          }
          k[at] = acc;
        }
      }
    }
  }

  /** db[c] += Σ_n Σ_plane dA[n, c, ·], n then plane order, for channels [c0, c1) of a (B, Ch, P) tensor. */
  public static void biasGrad(float[] db, int dbo, float[] dA, int ao, int batch, int channels, int plane, int c0, int c1) {
    for (int c = c0; c < c1; c++) {
      float acc = 0f;
      for (int n = 0; n < batch; n++) {
        int base = ao + (n * channels + c) * plane;
        for (int e = 0; e < plane; e++) acc += dA[base + e];
      }
      db[dbo + c] += acc;
    }
  }

  /** The forward of {@code s}, single-threaded: y = act(op(x) + b). */
  public static void forward(float[] y, int yo, float[] x, int xo, float[] w, int wo, float[] b, int bo, Conv2d s, Activation act) {
    if (s.transposed()) wide(y, yo, x, xo, w, wo, b, bo, s, act, 0, s.batch() * s.wideC());
    else narrow(y, yo, x, xo, w, wo, b, bo, s, act, 0, s.batch() * s.narrowC());
  }

  /**
   * The backward of {@code s}, single-threaded, with the contract of
   * {@link io.github.betavae.backend.Backend#convBackward}: dy becomes dA, dw += , db += , dx = (when not null).
   */
  public static void backward(float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo, float[] dy, int dyo,
                              float[] y, int yo, float[] x, int xo, float[] w, int wo, Conv2d s, Activation act) {
    int n = (int) s.outSize();
    for (int i = 0; i < n; i++) dy[dyo + i] *= act.derivFromOutput(y[yo + i]);
    biasGrad(db, dbo, dy, dyo, s.batch(), s.outC(), s.outH() * s.outW(), 0, s.outC());
    int pairs = s.narrowC() * s.wideC();
    if (s.transposed()) {
      kernel(dw, dwo, dy, dyo, x, xo, s, 0, pairs);
      if (dx != null) narrow(dx, dxo, dy, dyo, w, wo, null, 0, s, Activation.IDENTITY, 0, s.batch() * s.narrowC());
    } else {
      kernel(dw, dwo, x, xo, dy, dyo, s, 0, pairs);
      if (dx != null) wide(dx, dxo, dy, dyo, w, wo, null, 0, s, Activation.IDENTITY, 0, s.batch() * s.wideC());
    }
  }
}
