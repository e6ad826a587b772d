package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Likelihood;

/**
 * The pure-Java backend. This first version delegates every op to {@link NaiveOps}; the fast,
 * multi-threaded paths replace the delegation op by op, each tested against the naive one.
 */
public class CpuBackend implements Backend {
  private final int threads;

  /** A backend using {@code threads} worker threads (≥ 1). Results do not depend on this number. */
  public CpuBackend(int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1 but was " + threads);
    this.threads = threads;
  }

  public CpuBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  public int threads() {
    return threads;
  }

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public Buf alloc(long n) {
    if (n < 0 || n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("cannot allocate " + n + " floats on the CPU backend");
    return new CpuBuf(new float[(int) n], 0, (int) n);
  }

  @Override
  public Buf slice(Buf b, long offset, long n) {
    CpuBuf c = CpuBuf.of(b);
    if (offset < 0 || n < 0 || offset + n > c.length) {
      throw new IllegalArgumentException("slice [" + offset + ", " + (offset + n) + ") outside buffer of " + c.length);
    }
    return new CpuBuf(c.data, c.offset + (int) offset, (int) n);
  }

  @Override
  public void write(Buf dst, float[] src) {
    CpuBuf d = CpuBuf.of(dst);
    check(src.length == d.length, "write", "source of " + src.length + " floats into buffer of " + d.length);
    System.arraycopy(src, 0, d.data, d.offset, d.length);
  }

  @Override
  public void read(Buf src, float[] dst) {
    CpuBuf s = CpuBuf.of(src);
    check(dst.length == s.length, "read", "buffer of " + s.length + " floats into array of " + dst.length);
    System.arraycopy(s.data, s.offset, dst, 0, s.length);
  }

  @Override
  public void fill(Buf b, float v) {
    CpuBuf c = CpuBuf.of(b);
    java.util.Arrays.fill(c.data, c.offset, c.offset + c.length, v);
  }

  @Override
  public void denseForward(Buf y, Buf x, Buf w, Buf b, int batch, int in, int out, Activation act) {
    CpuBuf Y = need(y, (long) batch * out, "denseForward y"), X = need(x, (long) batch * in, "denseForward x");
    CpuBuf W = need(w, (long) out * in, "denseForward w"), Bb = need(b, out, "denseForward b");
    NaiveOps.denseForward(Y.data, Y.offset, X.data, X.offset, W.data, W.offset, Bb.data, Bb.offset, batch, in, out, act);
  }

  @Override
  public void denseBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w,
                            int batch, int in, int out, Activation act) {
    CpuBuf DX = dx == null ? null : need(dx, (long) batch * in, "denseBackward dx");
    CpuBuf DW = need(dw, (long) out * in, "denseBackward dw"), DB = need(db, out, "denseBackward db");
    CpuBuf DY = need(dy, (long) batch * out, "denseBackward dy"), Y = need(y, (long) batch * out, "denseBackward y");
    CpuBuf X = need(x, (long) batch * in, "denseBackward x"), W = need(w, (long) out * in, "denseBackward w");
    NaiveOps.denseBackward(DX == null ? null : DX.data, DX == null ? 0 : DX.offset, DW.data, DW.offset, DB.data, DB.offset,
        DY.data, DY.offset, Y.data, Y.offset, X.data, X.offset, W.data, W.offset, batch, in, out, act);
  }

  @Override
  public void reparamForward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, long step, boolean sample) {
    CpuBuf Z = need(z, (long) batch * latent, "reparamForward z"), K = need(klSum, latent, "reparamForward klSum");
    CpuBuf S = need(stats, 2L * batch * latent, "reparamForward stats");
    NaiveOps.reparamForward(Z.data, Z.offset, K.data, K.offset, S.data, S.offset, batch, latent, seed, step, sample);
  }

  @Override
  public void reparamBackward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent,
                              long seed, long step, boolean sample) {
    CpuBuf D = need(dstats, 2L * batch * latent, "reparamBackward dstats");
    CpuBuf DZ = dz == null ? null : need(dz, (long) batch * latent, "reparamBackward dz");
    CpuBuf S = need(stats, 2L * batch * latent, "reparamBackward stats"), G = need(klGrad, latent, "reparamBackward klGrad");
    NaiveOps.reparamBackward(D.data, D.offset, DZ == null ? null : DZ.data, DZ == null ? 0 : DZ.offset,
        S.data, S.offset, G.data, G.offset, batch, latent, seed, step, sample);
  }

  @Override
  public void likelihood(Buf lossPerSample, Buf dlogits, Buf logits, Buf x, int batch, int features,
                         Likelihood kind, float scale) {
    CpuBuf L = need(lossPerSample, batch, "likelihood loss");
    CpuBuf DL = dlogits == null ? null : need(dlogits, (long) batch * features, "likelihood dlogits");
    CpuBuf LG = need(logits, (long) batch * features, "likelihood logits"), X = need(x, (long) batch * features, "likelihood x");
    NaiveOps.likelihood(L.data, L.offset, DL == null ? null : DL.data, DL == null ? 0 : DL.offset,
        LG.data, LG.offset, X.data, X.offset, batch, features, kind, scale);
  }

  @Override
  public void adamStep(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2,
                       float eps, float weightDecay, float bc1, float bc2) {
    CpuBuf P = need(p, n, "adam p"), G = need(g, n, "adam g"), M = need(m, n, "adam m"), V = need(v, n, "adam v");
    NaiveOps.adamStep(P.data, P.offset, G.data, G.offset, M.data, M.offset, V.data, V.offset, (int) n,
        lr, beta1, beta2, eps, weightDecay, bc1, bc2);
  }

  @Override
  public void close() {}

  /** Casts and checks that a buffer holds at least {@code n} floats. */
  static CpuBuf need(Buf b, long n, String what) {
    if (b == null) throw new IllegalArgumentException(what + ": buffer is null");
    CpuBuf c = CpuBuf.of(b);
    if (c.length < n) throw new IllegalArgumentException(what + ": expected at least " + n + " floats but found " + c.length);
    return c;
  }

  private static void check(boolean ok, String op, String msg) {
    if (!ok) throw new IllegalArgumentException(op + ": " + msg);
  }
}
