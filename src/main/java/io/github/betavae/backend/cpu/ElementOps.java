package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Likelihood;
import io.github.betavae.rng.Philox;

/**
 * The fast reparameterization, KL, likelihood and Adam ops on the worker pool. Work is split over
 * rows or fixed chunks of elements; every sum runs inside one task in the same order as
 * {@link NaiveOps} (the KL per dimension over the batch in row order, each sample's loss over its
 * features in order), so results do not depend on the number of threads.
 *
 * <p>Job objects are reused from call to call, so a call allocates nothing once the KL scratch has
 * grown to the largest batch seen.
 */
final class ElementOps {
  /** Elements per Adam task. */
  static final int ADAM_CHUNK = 1 << 15;
  /** Rows per reparameterization task; a row is only Z elements, so small batches stay on one thread. */
  private static final int REPARAM_ROWS = 128;
  /** Rows per likelihood task. */
  private static final int LIKELIHOOD_ROWS = 4;

  private final WorkerPool pool;
  private final int[][] philoxWords;
  private final float[][] normals;
  private float[] klTerms = new float[0];
  private final Reparam reparam = new Reparam();
  private final Loss loss = new Loss();
  private final AdamJob adam = new AdamJob();
  private final FiniteJob finite;

  /** {@code scan}: the kernel whose {@link GemmPath.Kernel#allFinite} the finite check uses. */
  ElementOps(WorkerPool pool, GemmPath.Kernel scan) {
    this.pool = pool;
    this.finite = new FiniteJob(scan);
    this.philoxWords = new int[pool.threads()][4];
    this.normals = new float[pool.threads()][4];
  }

  void reparamForward(float[] z, int zo, float[] kl, int klo, float[] st, int sto,
                      int batch, int latent, long seed, long step, boolean sample) {
    int n = batch * latent;
    if (klTerms.length < n) klTerms = new float[n];
    Reparam r = reparam;
    r.set(z, zo, st, sto, null, 0, null, 0, null, 0, batch, latent, seed, step, sample, false);
    try {
      pool.run(r, Gemm.tiles(batch, REPARAM_ROWS));
    } finally {
      r.clear();
    }
    // Per-dimension sums over the batch in row order, exactly as the naive op adds them.
    for (int d = 0; d < latent; d++) kl[klo + d] = 0f;
    for (int i = 0; i < batch; i++) {
      for (int d = 0; d < latent; d++) kl[klo + d] += klTerms[i * latent + d];
    }
  }

  void reparamBackward(float[] dst, int dsto, float[] dz, int dzo, float[] st, int sto, float[] g, int go,
                       int batch, int latent, long seed, long step, boolean sample) {
    Reparam r = reparam;
    r.set(null, 0, st, sto, dst, dsto, dz, dzo, g, go, batch, latent, seed, step, sample, true);
    try {
      pool.run(r, Gemm.tiles(batch, REPARAM_ROWS));
    } finally {
      r.clear();
    }
  }

  void likelihood(float[] lossPs, int lo, float[] dl, int dlo, float[] l, int lgo, float[] x, int xo,
                  int batch, int features, Likelihood kind, float scale) {
    Loss j = loss;
    j.loss = lossPs; j.lo = lo; j.dl = dl; j.dlo = dlo; j.l = l; j.lgo = lgo; j.x = x; j.xo = xo;
    j.batch = batch; j.features = features; j.kind = kind; j.scale = scale;
    try {
      pool.run(j, Gemm.tiles(batch, LIKELIHOOD_ROWS));
    } finally {
      j.loss = j.dl = j.l = j.x = null;
    }
  }

  void adamStep(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int n,
                float lr, float b1, float b2, float eps, float wd, float bc1, float bc2) {
    AdamJob a = adam;
    a.p = p; a.po = po; a.g = g; a.go = go; a.m = m; a.mo = mo; a.v = v; a.vo = vo; a.n = n;
    a.lr = lr; a.b1 = b1; a.b2 = b2; a.eps = eps; a.wd = wd; a.bc1 = bc1; a.bc2 = bc2;
    try {
      pool.run(a, Gemm.tiles(n, ADAM_CHUNK));
    } finally {
      a.p = a.g = a.m = a.v = null;
    }
  }

  /** Forward (z and KL terms) or backward (dstats) over blocks of rows. */
  private final class Reparam implements WorkerPool.Job {
    float[] z, st, dst, dz, g;
    int zo, sto, dsto, dzo, go, batch, latent;
    long seed, step;
    boolean sample, backward;

    void set(float[] z, int zo, float[] st, int sto, float[] dst, int dsto, float[] dz, int dzo, float[] g, int go,
             int batch, int latent, long seed, long step, boolean sample, boolean backward) {
      this.z = z; this.zo = zo; this.st = st; this.sto = sto; this.dst = dst; this.dsto = dsto;
      this.dz = dz; this.dzo = dzo; this.g = g; this.go = go; this.batch = batch; this.latent = latent;
      this.seed = seed; this.step = step; this.sample = sample; this.backward = backward;
    }

    void clear() {
      z = st = dst = dz = g = null;
    }

    @Override
    public void run(int task, int worker) {
      int i0 = task * REPARAM_ROWS, i1 = Math.min(batch, i0 + REPARAM_ROWS);
      int[] words = philoxWords[worker];
      float[] eps = normals[worker];
      boolean needEps = sample && (!backward || dz != null);
      long quad = -1;
      for (int i = i0; i < i1; i++) {
        for (int d = 0; d < latent; d++) {
          long e = (long) i * latent + d;
          // ε for flat element e, one Philox call per quad of four consecutive elements.
          if (needEps && (e >>> 2) != quad) {
            quad = e >>> 2;
            Philox.normals(seed, quad, step, Philox.STREAM_EPS, words, eps, 0);
          }
          float ep = needEps ? eps[(int) (e & 3)] : 0f;
          float mu = st[sto + i * 2 * latent + d];
          float lv = st[sto + i * 2 * latent + latent + d];
          if (backward) {
            float gz = dz == null ? 0f : dz[dzo + i * latent + d];
            float gk = g[go + d];
            float dmu = gz + gk * mu;
            float dlv = gk * 0.5f * ((float) Math.exp(lv) - 1f);
            if (needEps) dlv += gz * ep * 0.5f * (float) Math.exp(0.5f * lv);
            dst[dsto + i * 2 * latent + d] = dmu;
            dst[dsto + i * 2 * latent + latent + d] = dlv;
          } else {
            float var = (float) Math.exp(lv);
            z[zo + i * latent + d] = sample ? mu + (float) Math.exp(0.5f * lv) * ep : mu;
            klTerms[i * latent + d] = 0.5f * (mu * mu + var - lv - 1f);
          }
        }
      }
    }
  }

  /** Per-sample reconstruction loss and its gradient over blocks of rows. */
  private static final class Loss implements WorkerPool.Job {
    float[] loss, dl, l, x;
    int lo, dlo, lgo, xo, batch, features;
    Likelihood kind;
    float scale;

    @Override
    public void run(int task, int worker) {
      int i1 = Math.min(batch, (task + 1) * LIKELIHOOD_ROWS);
      for (int i = task * LIKELIHOOD_ROWS; i < i1; i++) {
        int lr = lgo + i * features, xr = xo + i * features, dr = dlo + i * features;
        float s = 0f;
        if (kind == Likelihood.BERNOULLI) {
          for (int j = 0; j < features; j++) {
            float a = l[lr + j], t = x[xr + j];
            // One exp serves both terms: softplus(a) = max(a,0) + log(1 + e), σ(a) from e = exp(−|a|).
            // log(1 + e) in double loses nothing that float could see, since e ≤ 1.
            double e = Math.exp(-Math.abs(a));
            s += Math.max(a, 0f) + (float) Math.log(1.0 + e) - t * a;
            if (dl != null) {
              float sig = (float) (a >= 0f ? 1.0 / (1.0 + e) : e / (1.0 + e));
              dl[dr + j] = scale * (sig - t);
            }
          }
        } else {
          for (int j = 0; j < features; j++) {
            float err = l[lr + j] - x[xr + j];
            s += err * err;
            if (dl != null) dl[dr + j] = scale * (2f * err);
          }
        }
        loss[lo + i] = s;
      }
    }
  }

  /** Whether data[off, off+n) is all finite: chunks scanned in parallel, in place. */
  boolean allFinite(float[] data, int off, int n) {
    FiniteJob f = finite;
    int tasks = Gemm.tiles(n, ADAM_CHUNK);
    if (f.ok == null || f.ok.length < tasks) f.ok = new boolean[tasks];
    f.data = data;
    f.off = off;
    f.n = n;
    pool.run(f, tasks);
    f.data = null;
    for (int t = 0; t < tasks; t++) if (!f.ok[t]) return false;
    return true;
  }

  private static final class FiniteJob implements WorkerPool.Job {
    final GemmPath.Kernel scan;
    float[] data;
    int off, n;
    boolean[] ok;

    FiniteJob(GemmPath.Kernel scan) {
      this.scan = scan;
    }

    @Override
    public void run(int task, int worker) {
      int s = task * ADAM_CHUNK, e = Math.min(n, s + ADAM_CHUNK);
      ok[task] = scan.allFinite(data, off + s, off + e);
    }
  }

  /** Adam over fixed chunks of parameters; elementwise, so any split gives the same bits. */
  private static final class AdamJob implements WorkerPool.Job {
    float[] p, g, m, v;
    int po, go, mo, vo, n;
    float lr, b1, b2, eps, wd, bc1, bc2;

    @Override
    public void run(int task, int worker) {
      int s = task * ADAM_CHUNK, e = Math.min(n, s + ADAM_CHUNK);
      if (po == 0 && go == 0 && mo == 0 && vo == 0) {
        sameIndex(s, e); // the usual case (whole buffers): one index for all arrays, so C2 vectorizes it
        return;
      }
      float step = lr / bc1, decay = lr * wd;
      for (int i = s; i < e; i++) {
        float gi = g[go + i];
        float mi = b1 * m[mo + i] + (1f - b1) * gi;
        float vi = b2 * v[vo + i] + (1f - b2) * gi * gi;
        m[mo + i] = mi;
        v[vo + i] = vi;
        float pi = p[po + i];
        if (wd != 0f) pi -= decay * pi;
        p[po + i] = pi - step * mi / ((float) Math.sqrt(vi / bc2) + eps);
      }
    }

    private void sameIndex(int s, int e) {
      float[] p = this.p, g = this.g, m = this.m, v = this.v;
      float b1 = this.b1, b2 = this.b2, c1 = 1f - b1, c2 = 1f - b2, bc2 = this.bc2, eps = this.eps;
      float step = lr / bc1, decay = lr * wd;
      if (wd != 0f) {
        for (int i = s; i < e; i++) p[i] -= decay * p[i];
      }
      for (int i = s; i < e; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + c1 * gi;
        float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] - step * mi / ((float) Math.sqrt(vi / bc2) + eps);
      }
    }
  }
}
