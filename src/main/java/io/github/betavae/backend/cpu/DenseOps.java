package io.github.betavae.backend.cpu;

import static io.github.betavae.backend.cpu.Gemm.KC;
import static io.github.betavae.backend.cpu.Gemm.MC;
import static io.github.betavae.backend.cpu.Gemm.NC;

import io.github.betavae.backend.Activation;

/**
 * The fast dense layer: forward and backward as tiled products on the worker pool.
 *
 * <p>Letters: B batch, IN/OUT layer widths. Every task owns a disjoint block of output elements and
 * runs each element's whole reduction itself, in the order fixed by {@link Gemm}; no reduction is
 * ever split between threads, so the results do not depend on the number of threads. The three
 * products a layer needs:
 *
 * <pre>
 * forward  y  (B,OUT) = act(x (B,IN) · wᵀ + b)   A = x rows,        B = w transposed
 * backward dx (B,IN)  = dA (B,OUT) · w (OUT,IN)   A = dA rows,       B = w rows
 *          dw (OUT,IN) += dAᵀ · x (B,IN)          A = dA transposed, B = x rows
 *          db (OUT)    += Σ_B dA, in row order
 * </pre>
 *
 * The job objects are reused from call to call (fields set by the caller, read by the tasks), so a
 * call allocates nothing; {@link CpuBackend} runs one op at a time.
 */
final class DenseOps {
  /** Elements per task for the elementwise derivative pass. */
  private static final int CHUNK = 1 << 14;

  private final WorkerPool pool;
  private final Gemm.Scratch[] scratch;
  private final Forward forward = new Forward();
  private final Derivative derivative = new Derivative();
  private final Backward backward = new Backward();

  DenseOps(WorkerPool pool) {
    this.pool = pool;
    this.scratch = new Gemm.Scratch[pool.threads()];
  }

  /** The worker's scratch, made on first use by the worker itself. */
  private Gemm.Scratch scratch(int worker) {
    Gemm.Scratch s = scratch[worker];
    if (s == null) scratch[worker] = s = new Gemm.Scratch();
    return s;
  }

  /** y (B,OUT) = act(x (B,IN) · wᵀ + b). */
  void forward(float[] y, int yo, float[] x, int xo, float[] w, int wo, float[] b, int bo,
               int batch, int in, int out, Activation act) {
    Forward f = forward;
    f.y = y; f.yo = yo; f.x = x; f.xo = xo; f.w = w; f.wo = wo; f.b = b; f.bo = bo;
    f.batch = batch; f.in = in; f.out = out; f.act = act;
    f.nTiles = Gemm.tiles(out, NC);
    try {
      pool.run(f, Gemm.tiles(batch, MC) * f.nTiles);
    } finally {
      f.y = f.x = f.w = f.b = null;
    }
  }

  /** See {@link io.github.betavae.backend.Backend#denseBackward}; dx may be null. */
  void backward(float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo, float[] dy, int dyo,
                float[] y, int yo, float[] x, int xo, float[] w, int wo, int batch, int in, int out, Activation act) {
    try {
      if (act != Activation.IDENTITY) {
        Derivative d = derivative;
        d.dy = dy; d.dyo = dyo; d.y = y; d.yo = yo; d.n = batch * out; d.act = act;
        pool.run(d, Gemm.tiles(d.n, CHUNK));
      }
      Backward g = backward;
      g.dx = dx; g.dxo = dxo; g.dw = dw; g.dwo = dwo; g.db = db; g.dbo = dbo; g.dy = dy; g.dyo = dyo;
      g.x = x; g.xo = xo; g.w = w; g.wo = wo; g.batch = batch; g.in = in; g.out = out;
      g.inTiles = Gemm.tiles(in, NC);
      g.dwTasks = Gemm.tiles(out, MC) * g.inTiles;
      g.dxTasks = dx == null ? 0 : Gemm.tiles(batch, MC) * g.inTiles;
      pool.run(g, g.dwTasks + g.dxTasks + Gemm.tiles(out, NC));
    } finally {
      derivative.dy = derivative.y = null;
      Backward g = backward;
      g.dx = g.dw = g.db = g.dy = g.x = g.w = null;
    }
  }

  /** Forward tiles: (B/MC) × (OUT/NC) tasks, bias and activation applied in the epilogue. */
  private final class Forward implements WorkerPool.Job {
    float[] y, x, w, b;
    int yo, xo, wo, bo, batch, in, out, nTiles;
    Activation act;

    @Override
    public void run(int task, int worker) {
      Gemm.Scratch s = scratch(worker);
      int m0 = (task / nTiles) * MC, n0 = (task % nTiles) * NC;
      int mc = Math.min(MC, batch - m0), nc = Math.min(NC, out - n0);
      Gemm.zero(s.c, mc, nc);
      for (int k0 = 0; k0 < in; k0 += KC) {
        int kc = Math.min(KC, in - k0);
        Gemm.packRows(s.a, mc, kc, x, xo + m0 * in + k0, in);
        Gemm.packCols(s.b, kc, nc, w, wo + n0 * in + k0, in);
        Gemm.kernel(s.c, s.a, s.b, mc, kc, nc);
      }
      System.arraycopy(b, bo + n0, s.row, 0, nc);
      for (int i = 0; i < mc; i++) {
        FastMath.biasActivate(s.c[i], s.row, nc, act);
        System.arraycopy(s.c[i], 0, y, yo + (m0 + i) * out + n0, nc);
      }
    }
  }

  /** dA = dy ⊙ act'(y), in place, over fixed chunks of elements. */
  private static final class Derivative implements WorkerPool.Job {
    float[] dy, y;
    int dyo, yo, n;
    Activation act;

    @Override
    public void run(int task, int worker) {
      int e0 = task * CHUNK, len = Math.min(CHUNK, n - e0);
      FastMath.scaleByDerivative(dy, dyo + e0, y, yo + e0, len, act);
    }
  }

  /** Weight-gradient tiles, then input-gradient tiles, then bias-gradient column blocks. */
  private final class Backward implements WorkerPool.Job {
    float[] dx, dw, db, dy, x, w;
    int dxo, dwo, dbo, dyo, xo, wo, batch, in, out, inTiles, dwTasks, dxTasks;

    @Override
    public void run(int task, int worker) {
      Gemm.Scratch s = scratch(worker);
      if (task < dwTasks) {
        weightTile(s, task);
      } else if (task < dwTasks + dxTasks) {
        inputTile(s, task - dwTasks);
      } else {
        biasBlock(s, task - dwTasks - dxTasks);
      }
    }

    /** dw[m0.., n0..] += dAᵀ·x, accumulated on top of the existing gradient. */
    private void weightTile(Gemm.Scratch s, int t) {
      int m0 = (t / inTiles) * MC, n0 = (t % inTiles) * NC;
      int mc = Math.min(MC, out - m0), nc = Math.min(NC, in - n0);
      for (int i = 0; i < mc; i++) System.arraycopy(dw, dwo + (m0 + i) * in + n0, s.c[i], 0, nc);
      for (int k0 = 0; k0 < batch; k0 += KC) {
        int kc = Math.min(KC, batch - k0);
        Gemm.packCols(s.a, mc, kc, dy, dyo + k0 * out + m0, out);
        Gemm.packRows(s.b, kc, nc, x, xo + k0 * in + n0, in);
        Gemm.kernel(s.c, s.a, s.b, mc, kc, nc);
      }
      for (int i = 0; i < mc; i++) System.arraycopy(s.c[i], 0, dw, dwo + (m0 + i) * in + n0, nc);
    }

    /** dx[m0.., n0..] = dA·w. */
    private void inputTile(Gemm.Scratch s, int t) {
      int m0 = (t / inTiles) * MC, n0 = (t % inTiles) * NC;
      int mc = Math.min(MC, batch - m0), nc = Math.min(NC, in - n0);
      Gemm.zero(s.c, mc, nc);
      for (int k0 = 0; k0 < out; k0 += KC) {
        int kc = Math.min(KC, out - k0);
        Gemm.packRows(s.a, mc, kc, dy, dyo + m0 * out + k0, out);
        Gemm.packRows(s.b, kc, nc, w, wo + k0 * in + n0, in);
        Gemm.kernel(s.c, s.a, s.b, mc, kc, nc);
      }
      for (int i = 0; i < mc; i++) System.arraycopy(s.c[i], 0, dx, dxo + (m0 + i) * in + n0, nc);
    }

    /** db[o0..o0+NC) += column sums of dA, each summed over the batch in row order. */
    private void biasBlock(Gemm.Scratch s, int t) {
      int o0 = t * NC, nc = Math.min(NC, out - o0);
      float[] acc = s.row;
      float[] src = s.c[0];
      java.util.Arrays.fill(acc, 0, nc, 0f);
      for (int i = 0; i < batch; i++) {
        System.arraycopy(dy, dyo + i * out + o0, src, 0, nc);
        for (int j = 0; j < nc; j++) acc[j] += src[j];
      }
      for (int j = 0; j < nc; j++) db[dbo + o0 + j] += acc[j];
    }
  }
}
