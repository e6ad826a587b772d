package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Conv2d;
import io.github.betavae.backend.ObjectiveParams;
import io.github.betavae.backend.Precision;
import io.github.betavae.backend.StepRecord;
import io.github.betavae.backend.StepState;
import io.github.betavae.backend.FiniteScan;
import io.github.betavae.backend.Likelihood;

/**
 * The pure-Java backend. The fast path runs cache-blocked matrix products for the dense layers and
 * row- or chunk-parallel elementwise ops on a fixed pool of {@code threads} workers owned by the
 * backend (the calling thread plus {@code threads − 1} daemon threads, stopped by {@link #close()});
 * {@link NaiveOps}, the single-threaded oracle, sits beside it and is selected with
 * {@link #naive(int)} or {@code new CpuBackend(threads, true)}.
 *
 * <p>Determinism: every reduction runs inside one task in an order that depends only on the
 * problem's shape, so results are bit-identical for any thread count. Ops run one at a time; a
 * backend may be shared between threads, which then take turns.
 */
public class CpuBackend implements Backend {
  private final int threads;
  private final boolean naive;
  /** The dense layers' micro-kernel; null for the naive backend. */
  private final GemmPath.Kernel gemm;
  private final WorkerPool pool;
  private final DenseOps dense;
  private final ElementOps elementwise;
  private final ConvGemm convs;

  /**
   * A backend whose ops run on {@code threads} workers (≥ 1; the calling thread is one of them).
   * Results do not depend on this number.
   */
  public CpuBackend(int threads) {
    this(threads, false);
  }

  /**
   * A backend with {@code threads} workers; with {@code naive} true every op runs the plain
   * single-threaded {@link NaiveOps} instead (the reference the fast path is tested against).
   */
  public CpuBackend(int threads, boolean naive) {
    this(threads, naive, GemmPath.vectorByDefault());
  }

  /**
   * A backend with {@code threads} workers whose dense layers use the Vector API micro-kernel when
   * {@code vectorGemm} is true and the {@code jdk.incubator.vector} module is present, and the plain
   * kernel otherwise. Both kernels give the same bits; the two-argument constructors choose the vector
   * kernel unless {@code -Dbetavae.vector=false}. See {@link #gemmPath()}.
   */
  public CpuBackend(int threads, boolean naive, boolean vectorGemm) {
    if (threads < 1) throw new IllegalArgumentException("cpu backend: threads must be ≥ 1 but was " + threads);
    this.threads = threads;
    this.naive = naive;
    if (naive) {
      this.gemm = null;
      this.pool = null;
      this.dense = null;
      this.elementwise = null;
      this.convs = null;
    } else {
      this.gemm = GemmPath.kernel(vectorGemm);
      this.pool = new WorkerPool(threads, "betavae-cpu");
      this.dense = new DenseOps(pool, gemm);
      this.elementwise = new ElementOps(pool, gemm);
      DenseOps convDense = new DenseOps(pool, gemm);
      // gathered rows are many (B·positions) and the channels few: the product as it is, rows packed as
      // they lie, rather than transposing the rows for the narrow outputs (same bits either way)
      convDense.transposeNarrow = false;
      this.convs = new ConvGemm(pool, convDense);
    }
  }

  private Precision precision = Precision.FP32;

  @Override
  public Precision precision() {
    return precision;
  }

  /** TF32 rounds each packed operand panel (fast path) or each operand (naive path) before the product. */
  @Override
  public void precision(Precision p) {
    this.precision = java.util.Objects.requireNonNull(p, "precision");
    if (dense != null) dense.tf32 = p == Precision.TF32;
  }

  /** A backend using one worker per available processor. */
  public CpuBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  /** The single-threaded reference backend: every op runs {@link NaiveOps}. */
  public static CpuBackend naive(int threads) {
    return new CpuBackend(threads, true);
  }

  /** Number of workers, the calling thread included. */
  public int threads() {
    return threads;
  }

  /** Whether this backend runs the naive reference ops. */
  public boolean isNaive() {
    return naive;
  }

  /**
   * The matrix-product path in words: "naive", "Vector API GEMM (512-bit)" or "plain GEMM", the
   * last with the reason the vector kernel is off.
   */
  public String gemmPath() {
    if (naive) return "naive";
    if (gemm.bits() > 0) return "Vector API GEMM (" + gemm.bits() + "-bit)";
    if (!GemmPath.vectorAvailable()) return "plain GEMM (run with --add-modules jdk.incubator.vector for the vector kernel)";
    return "plain GEMM (vector kernel off)";
  }

  /** Whether the dense layers run the Vector API kernel. */
  public boolean vectorGemm() {
    return gemm != null && gemm.bits() > 0;
  }

  /** One line for logs: "cpu: pure Java, 2 threads, " followed by {@link #gemmPath()}. */
  public String description() {
    return "cpu: pure Java, " + threads + " thread" + (threads == 1 ? "" : "s") + ", " + gemmPath();
  }

  @Override
  public String name() {
    return naive ? "cpu-naive" : "cpu";
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
  public boolean allFinite(Buf b) {
    CpuBuf c = CpuBuf.of(b);
    if (naive) return FiniteScan.allFinite(c.data, c.offset, c.offset + c.length);
    synchronized (this) {
      return elementwise.allFinite(c.data, c.offset, c.length);
    }
  }

  @Override
  public void denseForward(Buf y, Buf x, Buf w, Buf b, int batch, int in, int out, Activation act) {
    CpuBuf Y = need(y, (long) batch * out, "denseForward y"), X = need(x, (long) batch * in, "denseForward x");
    CpuBuf W = need(w, (long) out * in, "denseForward w"), Bb = need(b, out, "denseForward b");
    checkSizes("denseForward", batch, in, out);
    if (act == null) throw new IllegalArgumentException("denseForward: activation is null");
    if (naive) {
      NaiveOps.denseForward(Y.data, Y.offset, X.data, X.offset, W.data, W.offset, Bb.data, Bb.offset, batch, in, out, act, precision);
    } else {
      synchronized (this) {
        dense.forward(Y.data, Y.offset, X.data, X.offset, W.data, W.offset, Bb.data, Bb.offset, batch, in, out, act);
      }
    }
  }

  @Override
  public void denseBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w,
                            int batch, int in, int out, Activation act) {
    denseBackward(dx, dw, db, dy, y, x, w, batch, in, out, act, true);
  }

  /** The fast path starts dw's and db's sums from zero itself when not accumulating (same bits). */
  @Override
  public boolean fusesGradientZeroing() {
    return !naive;
  }

  @Override
  public void denseBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w,
                            int batch, int in, int out, Activation act, boolean accumulate) {
    CpuBuf DX = dx == null ? null : need(dx, (long) batch * in, "denseBackward dx");
    CpuBuf DW = need(dw, (long) out * in, "denseBackward dw"), DB = need(db, out, "denseBackward db");
    CpuBuf DY = need(dy, (long) batch * out, "denseBackward dy"), Y = need(y, (long) batch * out, "denseBackward y");
    CpuBuf X = need(x, (long) batch * in, "denseBackward x"), W = need(w, (long) out * in, "denseBackward w");
    checkSizes("denseBackward", batch, in, out);
    if (act == null) throw new IllegalArgumentException("denseBackward: activation is null");
    float[] dxa = DX == null ? null : DX.data;
    int dxo = DX == null ? 0 : DX.offset;
    if (naive) {
      if (!accumulate) {
        java.util.Arrays.fill(DW.data, DW.offset, DW.offset + out * in, 0f);
        java.util.Arrays.fill(DB.data, DB.offset, DB.offset + out, 0f);
      }
      NaiveOps.denseBackward(dxa, dxo, DW.data, DW.offset, DB.data, DB.offset,
          DY.data, DY.offset, Y.data, Y.offset, X.data, X.offset, W.data, W.offset, batch, in, out, act, precision);
    } else {
      synchronized (this) {
        dense.backward(dxa, dxo, DW.data, DW.offset, DB.data, DB.offset,
            DY.data, DY.offset, Y.data, Y.offset, X.data, X.offset, W.data, W.offset, batch, in, out, act, accumulate);
      }
    }
  }

  @Override
  public void convForward(Buf y, Buf x, Buf w, Buf b, Conv2d s, Activation act) {
    if (s == null || act == null) throw new IllegalArgumentException("convForward: shape and activation must be given");
    CpuBuf Y = need(y, s.outSize(), "convForward y"), X = need(x, s.inSize(), "convForward x");
    CpuBuf W = need(w, s.weightSize(), "convForward w"), Bb = need(b, s.outC(), "convForward b");
    synchronized (this) {
      float[] xd = X.data, wd = W.data;
      int xo = X.offset, wo = W.offset;
      if (precision == Precision.TF32) {
        xd = rounded(0, X.data, X.offset, s.inSize());
        wd = rounded(1, W.data, W.offset, s.weightSize());
        xo = wo = 0;
      }
      if (naive) {
        ConvOps.forward(Y.data, Y.offset, xd, xo, wd, wo, Bb.data, Bb.offset, s, act);
      } else if (s.transposed()) {
        // gathered rows through the dense GEMM: ConvOps' terms in ConvOps' order (see ConvGemm)
        convs.wide(Y.data, Y.offset, xd, xo, wd, wo, Bb.data, Bb.offset, s, act);
      } else {
        convs.narrow(Y.data, Y.offset, xd, xo, wd, wo, Bb.data, Bb.offset, s, act);
      }
    }
  }


  @Override
  public void convBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, Conv2d s, Activation act) {
    if (s == null || act == null) throw new IllegalArgumentException("convBackward: shape and activation must be given");
    CpuBuf DX = dx == null ? null : need(dx, s.inSize(), "convBackward dx");
    CpuBuf DW = need(dw, s.weightSize(), "convBackward dw"), DB = need(db, s.outC(), "convBackward db");
    CpuBuf DY = need(dy, s.outSize(), "convBackward dy"), Y = need(y, s.outSize(), "convBackward y");
    CpuBuf X = need(x, s.inSize(), "convBackward x"), W = need(w, s.weightSize(), "convBackward w");
    boolean tf32 = precision == Precision.TF32;
    if (naive && !tf32) {
      ConvOps.backward(DX == null ? null : DX.data, DX == null ? 0 : DX.offset, DW.data, DW.offset, DB.data, DB.offset,
          DY.data, DY.offset, Y.data, Y.offset, X.data, X.offset, W.data, W.offset, s, act);
      return;
    }
    synchronized (this) {
      // dA in place of dy and db, in FP32 under either precision
      int n = (int) s.outSize(), chunk = 1 << 14, plane = s.outH() * s.outW();
      if (naive) {
        for (int i = 0; i < n; i++) DY.data[DY.offset + i] *= act.derivFromOutput(Y.data[Y.offset + i]);
        ConvOps.biasGrad(DB.data, DB.offset, DY.data, DY.offset, s.batch(), s.outC(), plane, 0, s.outC());
      } else {
        if (act != Activation.IDENTITY) {
          pool.run((t, worker) -> FastMath.scaleByDerivative(DY.data, DY.offset + t * chunk, Y.data, Y.offset + t * chunk,
              Math.min(chunk, n - t * chunk), act), (n + chunk - 1) / chunk);
        }
        pool.run((t, worker) -> ConvOps.biasGrad(DB.data, DB.offset, DY.data, DY.offset, s.batch(), s.outC(), plane, t, t + 1), s.outC());
      }
      // the products' operands: as they are, or rounded copies under TF32
      float[] ad = DY.data, xd = X.data, wd = W.data;
      int ao = DY.offset, xo = X.offset, wo = W.offset;
      if (tf32) {
        ad = rounded(0, DY.data, DY.offset, s.outSize());
        xd = rounded(1, X.data, X.offset, s.inSize());
        wd = rounded(2, W.data, W.offset, s.weightSize());
        ao = xo = wo = 0;
      }
      float[] wideD = s.transposed() ? ad : xd, narrowD = s.transposed() ? xd : ad;
      int wideO = s.transposed() ? ao : xo, narrowO = s.transposed() ? xo : ao;
      if (naive) {
        ConvOps.kernel(DW.data, DW.offset, wideD, wideO, narrowD, narrowO, s, 0, s.narrowC() * s.wideC());
        if (DX == null) return;
        if (s.transposed()) ConvOps.narrow(DX.data, DX.offset, ad, ao, wd, wo, null, 0, s, Activation.IDENTITY, 0, s.batch() * s.narrowC());
        else ConvOps.wide(DX.data, DX.offset, ad, ao, wd, wo, null, 0, s, Activation.IDENTITY, 0, s.batch() * s.wideC());
        return;
      }
      // the weight gradient and the input gradient through the dense GEMM (see ConvGemm)
      convs.kernel(DW.data, DW.offset, wideD, wideO, narrowD, narrowO, s);
      if (DX == null) return;
      if (s.transposed()) convs.narrow(DX.data, DX.offset, ad, ao, wd, wo, null, 0, s, Activation.IDENTITY);
      else convs.wide(DX.data, DX.offset, ad, ao, wd, wo, null, 0, s, Activation.IDENTITY);
    }
  }

  /** Copies for the TF32 convolutions' operands, by slot; grown, reused under the backend's lock. */
  private final float[][] tf32Copies = new float[3][0];

  /** src[off, off + n) rounded to TF32, in copy {@code slot} (DESIGN §12: each product operand rounded). */
  private float[] rounded(int slot, float[] src, int off, long n) {
    if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("conv: " + n + " floats is more than one array holds");
    if (tf32Copies[slot].length < n) tf32Copies[slot] = new float[(int) n];
    float[] c = tf32Copies[slot];
    System.arraycopy(src, off, c, 0, (int) n);
    io.github.betavae.backend.Precision.tf32(c, 0, (int) n);
    return c;
  }


  @Override
  public void reparamForward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, long step, boolean sample) {
    CpuBuf Z = need(z, (long) batch * latent, "reparamForward z"), K = need(klSum, latent, "reparamForward klSum");
    CpuBuf S = need(stats, 2L * batch * latent, "reparamForward stats");
    checkSizes("reparamForward", batch, latent, 1);
    if (naive) {
      NaiveOps.reparamForward(Z.data, Z.offset, K.data, K.offset, S.data, S.offset, batch, latent, seed, step, sample);
    } else {
      synchronized (this) {
        elementwise.reparamForward(Z.data, Z.offset, K.data, K.offset, S.data, S.offset, batch, latent, seed, step, sample);
      }
    }
  }

  @Override
  public void reparamBackward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent,
                              long seed, long step, boolean sample) {
    CpuBuf D = need(dstats, 2L * batch * latent, "reparamBackward dstats");
    CpuBuf DZ = dz == null ? null : need(dz, (long) batch * latent, "reparamBackward dz");
    CpuBuf S = need(stats, 2L * batch * latent, "reparamBackward stats"), G = need(klGrad, latent, "reparamBackward klGrad");
    checkSizes("reparamBackward", batch, latent, 1);
    float[] dza = DZ == null ? null : DZ.data;
    int dzo = DZ == null ? 0 : DZ.offset;
    if (naive) {
      NaiveOps.reparamBackward(D.data, D.offset, dza, dzo, S.data, S.offset, G.data, G.offset, batch, latent, seed, step, sample);
    } else {
      synchronized (this) {
        elementwise.reparamBackward(D.data, D.offset, dza, dzo, S.data, S.offset, G.data, G.offset,
            batch, latent, seed, step, sample);
      }
    }
  }

  @Override
  public void likelihood(Buf lossPerSample, Buf dlogits, Buf logits, Buf x, int batch, int features,
                         Likelihood kind, float scale) {
    CpuBuf L = need(lossPerSample, batch, "likelihood loss");
    CpuBuf DL = dlogits == null ? null : need(dlogits, (long) batch * features, "likelihood dlogits");
    CpuBuf LG = need(logits, (long) batch * features, "likelihood logits"), X = need(x, (long) batch * features, "likelihood x");
    checkSizes("likelihood", batch, features, 1);
    if (kind == null) throw new IllegalArgumentException("likelihood: kind is null");
    float[] dla = DL == null ? null : DL.data;
    int dlo = DL == null ? 0 : DL.offset;
    if (naive) {
      NaiveOps.likelihood(L.data, L.offset, dla, dlo, LG.data, LG.offset, X.data, X.offset, batch, features, kind, scale);
    } else {
      synchronized (this) {
        elementwise.likelihood(L.data, L.offset, dla, dlo, LG.data, LG.offset, X.data, X.offset, batch, features, kind, scale);
      }
    }
  }

  @Override
  public void adamStep(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2,
                       float eps, float weightDecay, float bc1, float bc2) {
    CpuBuf P = need(p, n, "adam p"), G = need(g, n, "adam g"), M = need(m, n, "adam m"), V = need(v, n, "adam v");
    if (n < 0) throw new IllegalArgumentException("adam: expected n ≥ 0 but found " + n);
    if (naive) {
      NaiveOps.adamStep(P.data, P.offset, G.data, G.offset, M.data, M.offset, V.data, V.offset, (int) n,
          lr, beta1, beta2, eps, weightDecay, bc1, bc2);
    } else {
      synchronized (this) {
        elementwise.adamStep(P.data, P.offset, G.data, G.offset, M.data, M.offset, V.data, V.offset, (int) n,
            lr, beta1, beta2, eps, weightDecay, bc1, bc2);
      }
    }
  }

  // ---- The resident step: on the CPU the "device" is this object; the same sequence as on CUDA ----

  /** The CPU form of a {@link StepState}: the counter and the record's values as Java fields. */
  private static final class CpuStepState implements StepState {
    final int latent;
    long step, row, flags, bad = StepRecord.NONE;
    StepRecord stats;
    final java.util.ArrayDeque<StepRecord> published = new java.util.ArrayDeque<>(2);

    CpuStepState(int latent) {
      this.latent = latent;
    }

    @Override
    public int latent() {
      return latent;
    }

    @Override
    public void close() {}

    static CpuStepState of(StepState s) {
      if (s instanceof CpuStepState c) return c;
      throw new IllegalArgumentException("expected a step state of the cpu backend but found " + (s == null ? "null" : s.getClass().getName()));
    }
  }

  @Override
  public StepState stepState(int latent) {
    if (latent < 1) throw new IllegalArgumentException("stepState: expected a latent size ≥ 1 but found " + latent);
    return new CpuStepState(latent);
  }

  @Override
  public void setStep(StepState s, long step, long row) {
    CpuStepState c = CpuStepState.of(s);
    if (step < 0 || row < 0) throw new IllegalArgumentException("setStep: expected step and row ≥ 0 but found " + step + ", " + row);
    c.step = step;
    c.row = row;
  }

  @Override
  public void reparamForward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, StepState step) {
    reparamForward(z, klSum, stats, batch, latent, seed, CpuStepState.of(step).step, true);
  }

  @Override
  public void reparamBackward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent, long seed, StepState step) {
    reparamBackward(dstats, dz, stats, klGrad, batch, latent, seed, CpuStepState.of(step).step, true);
  }

  @Override
  public void objective(StepState s, ObjectiveParams params, Buf lossPerSample, Buf klSum, Buf klCoef, int batch, boolean hold) {
    CpuStepState c = CpuStepState.of(s);
    CpuBuf L = need(lossPerSample, batch, "objective lossPerSample"), K = need(klSum, c.latent, "objective klSum");
    CpuBuf G = need(klCoef, c.latent, "objective klCoef");
    if (batch < 1) throw new IllegalArgumentException("objective: expected a batch ≥ 1 but found " + batch);
    float[] loss = java.util.Arrays.copyOfRange(L.data, L.offset, L.offset + batch);
    float[] kl = java.util.Arrays.copyOfRange(K.data, K.offset, K.offset + c.latent);
    float[] coef = new float[c.latent];
    c.stats = params.evaluate(c.step, loss, batch, kl, coef);
    if (hold && c.flags != 0) {
      c.flags |= c.stats.flags();
    } else {
      c.flags = c.stats.flags();
      c.bad = StepRecord.NONE;
    }
    System.arraycopy(coef, 0, G.data, G.offset, c.latent);
  }

  @Override
  public void checkFinite(StepState s, Buf grads) {
    CpuStepState c = CpuStepState.of(s);
    if (allFinite(grads)) return;
    CpuBuf g = CpuBuf.of(grads);
    for (int i = 0; i < g.length; i++) {
      if (!Float.isFinite(g.data[g.offset + i])) {
        c.flags |= StepRecord.GRAD_NONFINITE;
        c.bad = Math.min(c.bad, i);
        return;
      }
    }
  }

  @Override
  public void adamStep(Buf p, Buf g, Buf m, Buf v, long n, float lr, double beta1, double beta2, float eps,
                       float weightDecay, StepState s) {
    CpuStepState c = CpuStepState.of(s);
    if (c.flags != 0) return;
    long t = c.step + 1;
    float bc1 = (float) (1.0 - Math.pow(beta1, t));
    float bc2 = (float) (1.0 - Math.pow(beta2, t));
    adamStep(p, g, m, v, n, lr, (float) beta1, (float) beta2, eps, weightDecay, bc1, bc2);
  }

  @Override
  public void advance(StepState s, long stepsPerEpoch, int batch) {
    CpuStepState c = CpuStepState.of(s);
    c.step++;
    c.row = stepsPerEpoch > 0 ? (c.step % stepsPerEpoch) * batch : 0;
  }

  @Override
  public void publish(StepState s) {
    CpuStepState c = CpuStepState.of(s);
    if (c.stats == null) throw new IllegalStateException("publish: no step has run on this state");
    if (c.published.size() >= 2) throw new IllegalStateException("publish: two records are outstanding; collect one first");
    StepRecord r = c.stats;
    c.published.addLast(new StepRecord(c.step, c.flags, c.bad, r.loss(), r.recon(), r.kl(), r.klDim().clone()));
  }

  @Override
  public StepRecord collect(StepState s) {
    CpuStepState c = CpuStepState.of(s);
    if (c.published.isEmpty()) throw new IllegalStateException("collect: nothing published");
    return c.published.removeFirst();
  }

  @Override
  public int pending(StepState s) {
    return CpuStepState.of(s).published.size();
  }

  /** Stops the worker threads; idempotent. Ops on the fast path fail after this. */
  @Override
  public void close() {
    if (pool != null) pool.close();
  }

  /** Sizes must not be negative (products are bounded by the buffer checks done before). */
  private static void checkSizes(String op, int rows, int a, int b) {
    if (rows < 0 || a < 0 || b < 0) {
      throw new IllegalArgumentException(op + ": expected sizes ≥ 0 but found " + rows + ", " + a + ", " + b);
    }
  }

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
