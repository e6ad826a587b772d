package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.Precision;
import io.github.betavae.rng.Philox;

/**
 * The plainest possible single-threaded implementation of every backend op, on raw arrays with
 * offsets. It is the oracle the fast CPU paths and the CUDA kernels are compared against; keep it
 * obviously correct rather than fast.
 */
public final class NaiveOps {
  private NaiveOps() {}

  /** A product operand: as it is, or rounded to TF32. */
  private static float op(float v, boolean tf32) {
    return tf32 ? Precision.tf32(v) : v;
  }

  /** y (B,OUT) = act(x (B,IN) · wᵀ + b). */
  public static void denseForward(float[] y, int yo, float[] x, int xo, float[] w, int wo, float[] b, int bo,
                                  int batch, int in, int out, Activation act) {
    denseForward(y, yo, x, xo, w, wo, b, bo, batch, in, out, act, Precision.FP32);
  }

  /** {@link #denseForward} with the product's operands in {@code p} (TF32: each rounded first). */
  public static void denseForward(float[] y, int yo, float[] x, int xo, float[] w, int wo, float[] b, int bo,
                                  int batch, int in, int out, Activation act, Precision p) {
    boolean t = p == Precision.TF32;
    for (int i = 0; i < batch; i++) {
      for (int o = 0; o < out; o++) {
        float acc = 0f;
        for (int k = 0; k < in; k++) acc += op(x[xo + i * in + k], t) * op(w[wo + o * in + k], t);
        y[yo + i * out + o] = act.apply(acc + b[bo + o]);
      }
    }
  }

  /** See {@link io.github.betavae.backend.Backend#denseBackward}; dx may be null. */
  public static void denseBackward(float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo,
                                   float[] dy, int dyo, float[] y, int yo, float[] x, int xo, float[] w, int wo,
                                   int batch, int in, int out, Activation act) {
    denseBackward(dx, dxo, dw, dwo, db, dbo, dy, dyo, y, yo, x, xo, w, wo, batch, in, out, act, Precision.FP32);
  }

  /** {@link #denseBackward} with the products' operands in {@code p} (TF32: each rounded first; dA and db stay FP32). */
  public static void denseBackward(float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo,
                                   float[] dy, int dyo, float[] y, int yo, float[] x, int xo, float[] w, int wo,
                                   int batch, int in, int out, Activation act, Precision p) {
    boolean t = p == Precision.TF32;
    for (int i = 0; i < batch * out; i++) dy[dyo + i] *= act.derivFromOutput(y[yo + i]);
    for (int o = 0; o < out; o++) {
      for (int k = 0; k < in; k++) {
        float acc = 0f;
        for (int i = 0; i < batch; i++) acc += op(dy[dyo + i * out + o], t) * op(x[xo + i * in + k], t);
        dw[dwo + o * in + k] += acc;
      }
      float s = 0f;
      for (int i = 0; i < batch; i++) s += dy[dyo + i * out + o];
      db[dbo + o] += s;
    }
    if (dx != null) {
      for (int i = 0; i < batch; i++) {
        for (int k = 0; k < in; k++) {
          float acc = 0f;
          for (int o = 0; o < out; o++) acc += op(dy[dyo + i * out + o], t) * op(w[wo + o * in + k], t);
          dx[dxo + i * in + k] = acc;
        }
      }
    }
  }

  /** ε for element (i, d) of a (B,Z) draw. */
  static float eps(long seed, long step, int i, int d, int latent) {
    return Philox.normal(seed, (long) i * latent + d, step, Philox.STREAM_EPS);
  }

  public static void reparamForward(float[] z, int zo, float[] kl, int klo, float[] st, int sto,
                                    int batch, int latent, long seed, long step, boolean sample) {
    for (int d = 0; d < latent; d++) kl[klo + d] = 0f;
    for (int i = 0; i < batch; i++) {
      for (int d = 0; d < latent; d++) {
        float mu = st[sto + i * 2 * latent + d];
        float lv = st[sto + i * 2 * latent + latent + d];
        float var = (float) Math.exp(lv);
        z[zo + i * latent + d] = sample ? mu + (float) Math.exp(0.5f * lv) * eps(seed, step, i, d, latent) : mu;
        kl[klo + d] += 0.5f * (mu * mu + var - lv - 1f);
      }
    }
  }

  public static void reparamBackward(float[] dst, int dsto, float[] dz, int dzo, float[] st, int sto,
                                     float[] g, int go, int batch, int latent, long seed, long step, boolean sample) {
    for (int i = 0; i < batch; i++) {
      for (int d = 0; d < latent; d++) {
        float mu = st[sto + i * 2 * latent + d];
        float lv = st[sto + i * 2 * latent + latent + d];
        float gz = dz == null ? 0f : dz[dzo + i * latent + d];
        float gk = g[go + d];
        float dmu = gz + gk * mu;
        float dlv = gk * 0.5f * ((float) Math.exp(lv) - 1f);
        if (sample && dz != null) dlv += gz * eps(seed, step, i, d, latent) * 0.5f * (float) Math.exp(0.5f * lv);
        dst[dsto + i * 2 * latent + d] = dmu;
        dst[dsto + i * 2 * latent + latent + d] = dlv;
      }
    }
  }

  public static void likelihood(float[] loss, int lo, float[] dl, int dlo, float[] l, int lgo, float[] x, int xo,
                                int batch, int features, Likelihood kind, float scale) {
    for (int i = 0; i < batch; i++) {
      float s = 0f;
      for (int j = 0; j < features; j++) {
        float a = l[lgo + i * features + j];
        float t = x[xo + i * features + j];
        float v, gr;
        if (kind == Likelihood.BERNOULLI) {
          // softplus(a) = max(a,0) + log1p(exp(-|a|)), stable for large |a|
          v = Math.max(a, 0f) + (float) Math.log1p(Math.exp(-Math.abs(a))) - t * a;
          gr = (float) (1.0 / (1.0 + Math.exp(-a))) - t;
        } else {
          float e = a - t;
          v = e * e;
          gr = 2f * e;
        }
        s += v;
        if (dl != null) dl[dlo + i * features + j] = scale * gr;
      }
      loss[lo + i] = s;
    }
  }

  public static void adamStep(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int n,
                              float lr, float b1, float b2, float eps, float wd, float bc1, float bc2) {
    for (int i = 0; i < n; i++) {
      float gi = g[go + i];
      float mi = b1 * m[mo + i] + (1f - b1) * gi;
      float vi = b2 * v[vo + i] + (1f - b2) * gi * gi;
      m[mo + i] = mi;
      v[vo + i] = vi;
      float pi = p[po + i];
      if (wd != 0f) pi -= lr * wd * pi;
      pi -= (lr / bc1) * mi / ((float) Math.sqrt(vi / bc2) + eps);
      p[po + i] = pi;
    }
  }
}
