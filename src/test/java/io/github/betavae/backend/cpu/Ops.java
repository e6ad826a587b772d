package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Likelihood;
import java.util.Random;

/**
 * Runs single backend ops on host arrays, for tests. Buffers are placed at an odd offset inside a
 * larger allocation, so every op is exercised on slices as the model uses them, not only on whole
 * buffers; {@code whole = true} places them at offset 0 instead.
 */
final class Ops {
  private final Backend be;
  private final boolean whole;

  Ops(Backend be, boolean whole) {
    this.be = be;
    this.whole = whole;
  }

  Ops(Backend be) {
    this(be, false);
  }

  /** A buffer holding a copy of {@code a} (null stays null). */
  Buf buf(float[] a) {
    if (a == null) return null;
    Buf b;
    if (whole) {
      b = be.alloc(a.length);
    } else {
      int pad = 3 + a.length % 5;
      b = be.slice(be.alloc(a.length + 2L * pad), pad, a.length);
    }
    be.write(b, a);
    return b;
  }

  float[] read(Buf b, int n) {
    float[] a = new float[n];
    be.read(b, a);
    return a;
  }

  /** Returns y. */
  float[] denseForward(float[] x, float[] w, float[] b, int batch, int in, int out, Activation act) {
    Buf y = buf(new float[batch * out]);
    be.denseForward(y, buf(x), buf(w), buf(b), batch, in, out, act);
    return read(y, batch * out);
  }

  /** Returns {dx (null when dx0 is null), dw, db, dA}, starting from copies of dx0, dw0, db0 and dy. */
  float[][] denseBackward(float[] dx0, float[] dw0, float[] db0, float[] dy, float[] y, float[] x, float[] w,
                          int batch, int in, int out, Activation act) {
    Buf dx = buf(dx0), dw = buf(dw0), db = buf(db0), dyb = buf(dy);
    be.denseBackward(dx, dw, db, dyb, buf(y), buf(x), buf(w), batch, in, out, act);
    return new float[][] {dx == null ? null : read(dx, batch * in), read(dw, out * in), read(db, out), read(dyb, batch * out)};
  }

  /** Returns {z, klSum}. */
  float[][] reparamForward(float[] stats, int batch, int latent, long seed, long step, boolean sample) {
    Buf z = buf(new float[batch * latent]), kl = buf(new float[latent]);
    be.reparamForward(z, kl, buf(stats), batch, latent, seed, step, sample);
    return new float[][] {read(z, batch * latent), read(kl, latent)};
  }

  float[] reparamBackward(float[] dz, float[] stats, float[] klGrad, int batch, int latent, long seed, long step, boolean sample) {
    Buf d = buf(new float[2 * batch * latent]);
    be.reparamBackward(d, buf(dz), buf(stats), buf(klGrad), batch, latent, seed, step, sample);
    return read(d, 2 * batch * latent);
  }

  /** Returns {lossPerSample, dlogits (null without gradient)}. */
  float[][] likelihood(float[] logits, float[] x, int batch, int features, Likelihood kind, float scale, boolean grad) {
    Buf loss = buf(new float[batch]), dl = grad ? buf(new float[batch * features]) : null;
    be.likelihood(loss, dl, buf(logits), buf(x), batch, features, kind, scale);
    return new float[][] {read(loss, batch), grad ? read(dl, batch * features) : null};
  }

  /** Returns {p, m, v} after one step from copies of the inputs. */
  float[][] adam(float[] p0, float[] g, float[] m0, float[] v0, float lr, float b1, float b2, float eps, float wd,
                 float bc1, float bc2) {
    int n = p0.length;
    Buf p = buf(p0), m = buf(m0), v = buf(v0);
    be.adamStep(p, buf(g), m, v, n, lr, b1, b2, eps, wd, bc1, bc2);
    return new float[][] {read(p, n), read(m, n), read(v, n)};
  }

  static float[] gaussian(Random r, int n, double sd) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * sd);
    return a;
  }

  static float[] uniform(Random r, int n, double lo, double hi) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * r.nextDouble());
    return a;
  }

  /** A plausible layer output for {@code act}: values in the function's range. */
  static float[] outputOf(Activation act, Random r, int n) {
    float[] a = gaussian(r, n, 1.0);
    for (int i = 0; i < n; i++) a[i] = act.apply(a[i]);
    return a;
  }
}
