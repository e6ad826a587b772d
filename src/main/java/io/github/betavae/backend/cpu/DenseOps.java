package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;

/**
 * The fast dense layer: forward and backward as blocked products on the worker pool.
 *
 * <p>Letters: B batch, IN/OUT layer widths. Every task owns a disjoint block of output elements and
 * runs each element's whole reduction itself, in the order fixed by {@link Gemm}; no reduction is
 * ever split between threads, so the results do not depend on the number of threads. The three
 * products a layer needs, and how they are cut into tasks:
 *
 * <pre>
 * forward  y  (B,OUT) = act(x (B,IN) · wᵀ + b)   one task per column block of y;  B panel = w transposed
 * backward dx (B,IN)  = dA (B,OUT) · w (OUT,IN)   one task per column block of dx; B panel = rows of w
 *          dw (OUT,IN) += dAᵀ · x (B,IN)          one task per 252 or 256 rows × column block of dw; B panel = rows of x
 *          db (OUT)    += Σ_B dA, in row order    one task per column block of db
 * </pre>
 *
 * Each task packs every B panel once and sweeps all of its rows of C past it (up to 256 batch rows
 * at a time), so for the usual batch sizes the weights are packed exactly once per call.
 *
 * <p>Narrow products (fewer than 64 output columns, such as the 20-wide encoder head or the gradients
 * of a 10-wide latent input) leave the vector loop too short to pay; they are computed transposed,
 * {@code Cᵀ = Bᵀ·Aᵀ}, so the long side runs in the vector loop. Each element still takes its products
 * in increasing k from the same start, so both orientations give the same bits.
 *
 * <p>Dead input columns (binary images such as dSprites: about 4% of pixels on, and in a batch of 64
 * only about half the pixels ever on): where at most {@value #LIVE_PERCENT}% of x's columns hold a
 * nonzero in some sample, the forward and the weight gradient run as the same blocked products over
 * those live columns only, x gathered into a narrower matrix, w's live columns read in place through the
 * column list where the kernel can ({@link GemmPath.Kernel#stridedLiveA}) or else gathered as the A
 * panels are packed (forward), dw's blocks scattered back with the dead columns written as zero
 * (weight gradient). A skipped term is {@code fma(w, 0, acc) = acc} exactly for finite w (a sum that starts
 * at +0 is never −0), so each element still takes the same FMAs in the same order and the bits equal
 * the dense path's, under TF32 too (a zero rounds to zero). Two differences: a NaN or infinite weight
 * times a zero input gives NaN on the dense path, while this path skips the term (in training
 * weights stay finite: the numeric guard stops non-finite gradients, and checkpoints holding them are
 * refused); and a gradient accumulated into that holds −0 where x's column is dead stays −0, where
 * the dense path may turn it into +0 (the train step writes its gradient, from +0).
 *
 * <p>The job objects are reused from call to call (fields set by the caller, read by the tasks), so a
 * call allocates nothing once each worker's scratch has grown to the largest block it needs;
 * {@link CpuBackend} runs one op at a time.
 */
final class DenseOps {
  /** Elements per task for the elementwise derivative pass. */
  private static final int CHUNK = 1 << 14;
  /**
   * Rows of dw per weight-gradient task (at most): the x panel packed by a task serves this many
   * rows. {@link #dwRows} rounds it down to whole tiles of the kernel.
   */
  private static final int DW_ROWS = 256;
  /**
   * Most batch rows a forward or input-gradient task keeps in its C block at once (a 256 KiB block);
   * larger batches are swept in chunks, repacking the weight panels per chunk, so the scratch stays
   * bounded however large an evaluation batch is.
   */
  private static final int MAX_ROWS = 256;
  /** x's live columns are compacted where at most this percentage of its columns are live. */
  static final int LIVE_PERCENT = 75;

  private final WorkerPool pool;
  private final Gemm.Scratch[] scratch;
  private final Forward forward = new Forward();
  private final Derivative derivative = new Derivative();
  private final Backward backward = new Backward();
  /** Whether narrow products may run transposed; off only in tests that compare the orientations. */
  boolean transposeNarrow = true;
  /**
   * Whether a forward with at most {@link #MAX_ROWS} samples runs as yᵀ = w·xᵀ over blocks of w's
   * rows (reading w's rows in place where the kernel can, else packing them; and the small xᵀ)
   * instead of y = x·wᵀ (packing w transposed, a strided gather of the whole weight matrix every
   * call: 13% of a batch-64 step's time in a profile); off only in tests that compare the
   * orientations.
   */
  boolean forwardByWeightRows = true;
  /** Whether inputs with dead columns take the compacted path; off only in tests that compare the two. */
  boolean compactInputs = true;

  /** Products that took the compacted path so far (forward and weight gradient), for tests. */
  long compactProducts;

  /**
   * The last input found compactable: its live columns ascending in {@code live[0 … liveCount)},
   * {@code run[c]} how many of {@code live[c], live[c+1], …} are consecutive columns (so blocks
   * scatter and gather by runs), and x restricted to them in {@code xLive} (batch × liveCount).
   */
  private int[] live = new int[0], run = new int[0];
  private int liveCount;
  private float[] xLive = new float[0];
  private float[] seen = new float[0];

  /**
   * xᵀ for a forward by rows of w, packed once per call by the caller and read by every task:
   * {@code xPanels[p]} is the B panel of depth block p (rows p·KC … of xᵀ, {@link Gemm#NC} columns).
   */
  private float[][] xT = new float[0][];
  private float[][][] xPanels = new float[0][][];

  /**
   * dA's A panels packed once per backward call, where every column block's task would otherwise
   * pack the same ones again: the weight gradient's (dAᵀ, one per row block of dw, batch ≤ KC) and
   * the input gradient's (dA, one per depth panel, batch ≤ {@link #MAX_ROWS}). For a 4096-wide layer
   * each was packed 16 times: 1.1 ms of an 11 ms weight gradient, 0.7 of a 12 ms input gradient (1
   * thread, AVX2 EPYC).
   */
  private Gemm.PackedA[] dwPanels = new Gemm.PackedA[0], dxPanels = new Gemm.PackedA[0];

  /** The micro-kernel: plain or Vector API, same bits either way. */
  private final GemmPath.Kernel kernel;
  /**
   * Rows of dw per weight-gradient task: {@link #DW_ROWS} in whole tiles of a kernel that reads A in
   * tiles (252 for six-row tiles), so no task leaves rows over for the kernel's scalar edge loop.
   */
  private final int dwRows;

  /** Dense ops with the default kernel (see {@link GemmPath#vectorByDefault()}). */
  DenseOps(WorkerPool pool) {
    this(pool, GemmPath.kernel(GemmPath.vectorByDefault()));
  }

  DenseOps(WorkerPool pool, GemmPath.Kernel kernel) {
    this.pool = pool;
    this.kernel = kernel;
    this.dwRows = kernel.flatRows() > 0 ? DW_ROWS / kernel.flatRows() * kernel.flatRows() : DW_ROWS;
    this.scratch = new Gemm.Scratch[pool.threads()];
  }

  /**
   * TF32 products (DESIGN §12): every packed operand panel is rounded to TF32 before the kernel
   * multiplies it; accumulation stays FP32 in the usual order. Set by the backend between calls.
   */
  volatile boolean tf32;

  private void packRows(float[][] dst, int rows, int cols, float[] src, int off, int ld) {
    Gemm.packRows(dst, rows, cols, src, off, ld);
    if (tf32) round(dst, rows, cols);
  }

  private void packCols(float[][] dst, int rows, int cols, float[] src, int off, int ld) {
    Gemm.packCols(dst, rows, cols, src, off, ld);
    if (tf32) round(dst, rows, cols);
  }

  private static void round(float[][] m, int rows, int cols) {
    for (int r = 0; r < rows; r++) io.github.betavae.backend.Precision.tf32(m[r], 0, cols);
  }

  /**
   * A (rows × cols) into the worker's A panel, in the layout the kernel reads: the whole tiles of
   * {@code kernel.flatRows()} rows interleaved in {@code s.af} ({@link Gemm#packFlat}), the rows after
   * them (all rows, for a kernel that reads rows) in {@code s.a}. A(i, k) is
   * {@code src[off + i·ld + k]}, or {@code src[off + k·ld + i]} when {@code transposed}.
   */
  private void packA(Gemm.PackedA s, boolean transposed, int rows, int cols, float[] src, int off, int ld) {
    packA(s, transposed, rows, cols, src, off, ld, false);
  }

  /**
   * {@link #packA}, with the rows past the last whole tile packed as one more tile padded with zero
   * rows where {@code pad} and {@link #padded} says so; the caller then multiplies
   * {@code padded(rows)} rows into a C block that has them.
   */
  private void packA(Gemm.PackedA s, boolean transposed, int rows, int cols, float[] src, int off, int ld, boolean pad) {
    int f = kernel.flatRows(), m = f == 0 ? 0 : rows / f * f;
    if (pad && padded(rows) > rows) {
      // the rows past the last whole tile go into one more tile, zero below them
      float[] af = s.af((m + f) * cols);
      if (m > 0) Gemm.packFlat(af, f, m, cols, src, off, ld, transposed);
      java.util.Arrays.fill(af, m * cols, (m + f) * cols, 0f);
      for (int r = m; r < rows; r++) {
        for (int k = 0, d = m * cols + r - m; k < cols; k++, d += f) {
          af[d] = transposed ? src[off + k * ld + r] : src[off + r * ld + k];
        }
      }
      if (tf32) io.github.betavae.backend.Precision.tf32(af, 0, (m + f) * cols);
      return;
    }
    if (m > 0) {
      float[] af = s.af(m * cols);
      Gemm.packFlat(af, f, m, cols, src, off, ld, transposed);
      if (tf32) io.github.betavae.backend.Precision.tf32(af, 0, m * cols);
    }
    float[][] a = s.a(m, rows);
    if (transposed) Gemm.packCols(a, m, rows, cols, src, off, ld);
    else Gemm.packRows(a, m, rows, cols, src, off, ld);
    if (tf32) for (int r = m; r < rows; r++) io.github.betavae.backend.Precision.tf32(a[r], 0, cols);
  }

  /**
   * The rows the input gradient's A panel (dA, {@code rows} samples) is packed and multiplied with:
   * rounded up to whole tiles of the kernel where four or five rows would be left over (a batch of
   * 64: ten six-row tiles and four rows), since the kernel's four-row edge tile ran at about a third of the six-row tiles' rate
   * (2% of a 1-thread step in a profile); else {@code rows}. The zero rows give zero rows of C that
   * are never read, and each real row's sums are unchanged, so the bits are too.
   */
  private int padded(int rows) {
    int f = kernel.flatRows();
    return f > 0 && rows % f >= f - 2 ? (rows / f + 1) * f : rows;
  }

  /**
   * {@link #packA} of rows of w restricted to x's live columns {@code live[c0 … c0 + cols)}: A(i, k) =
   * {@code src[off + i·ld + live[c0 + k]]}.
   */
  private void packLive(Gemm.PackedA s, int rows, int cols, float[] src, int off, int ld, int c0) {
    int f = kernel.flatRows(), m = f == 0 ? 0 : rows / f * f;
    if (m > 0) {
      float[] af = s.af(m * cols);
      Gemm.packFlatGather(af, f, m, cols, src, off, ld, live, c0);
      if (tf32) io.github.betavae.backend.Precision.tf32(af, 0, m * cols);
    }
    float[][] a = s.a(m, rows);
    for (int r = m; r < rows; r++) {
      float[] ar = a[r];
      for (int k = 0, row = off + r * ld; k < cols; ) {
        int len = Math.min(run[c0 + k], cols - k);
        System.arraycopy(src, row + live[c0 + k], ar, k, len);
        k += len;
      }
      if (tf32) io.github.betavae.backend.Precision.tf32(ar, 0, cols);
    }
  }

  /** c += A · b, A as {@link #packA} left it in {@code s} (the worker's scratch or a shared panel). */
  private void multiply(Gemm.PackedA s, float[][] c, float[][] b, int mc, int kc, int nc) {
    kernel.multiply(c, s.a, s.af, b, mc, kc, nc);
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
    f.flip = narrow(out, batch) || forwardByWeightRows && batch <= MAX_ROWS && batch <= Gemm.NC && in >= 64;
    f.byRows = f.flip && !narrow(out, batch);
    f.compact = f.byRows && compact(x, xo, batch, in);
    // by rows of w: blocks of output units (an even number of them, so two workers share evenly)
    f.width = f.byRows ? rowBlock(out) : Gemm.blockWidth(f.flip ? batch : out);
    if (f.compact) packTransposed(xLive, 0, batch, liveCount);
    else if (f.byRows && batch > 0) packTransposed(x, xo, batch, in);
    try {
      pool.run(f, batch == 0 ? 0 : Gemm.tiles(f.flip && !f.byRows ? batch : out, f.width));
    } finally {
      f.y = f.x = f.w = f.b = null;
    }
  }

  /** See {@link io.github.betavae.backend.Backend#denseBackward}; dx may be null. */
  void backward(float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo, float[] dy, int dyo,
                float[] y, int yo, float[] x, int xo, float[] w, int wo, int batch, int in, int out, Activation act) {
    backward(dx, dxo, dw, dwo, db, dbo, dy, dyo, y, yo, x, xo, w, wo, batch, in, out, act, true);
  }

  /**
   * {@link #backward} with dw and db accumulated into, or, when {@code accumulate} is false, written:
   * each sum then starts from +0 in the task that owns it instead of from the stored gradient, which
   * gives the bits of zeroing first (a sum that starts at +0 never becomes −0) without the fill and
   * the read.
   */
  void backward(float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo, float[] dy, int dyo,
                float[] y, int yo, float[] x, int xo, float[] w, int wo, int batch, int in, int out, Activation act,
                boolean accumulate) {
    try {
      if (act != Activation.IDENTITY) {
        Derivative d = derivative;
        d.dy = dy; d.dyo = dyo; d.y = y; d.yo = yo; d.n = batch * out; d.act = act;
        pool.run(d, Gemm.tiles(d.n, CHUNK));
      }
      Backward g = backward;
      g.dx = dx; g.dxo = dxo; g.dw = dw; g.dwo = dwo; g.db = db; g.dbo = dbo; g.dy = dy; g.dyo = dyo;
      g.x = x; g.xo = xo; g.w = w; g.wo = wo; g.batch = batch; g.in = in; g.out = out;
      g.accumulate = accumulate;
      g.inWidth = Gemm.blockWidth(in);
      g.outWidth = Gemm.blockWidth(out);
      g.batchWidth = Gemm.blockWidth(batch);
      g.flipDw = narrow(in, out);
      g.flipDx = narrow(in, batch);
      g.compactDw = !g.flipDw && in >= 64 && batch <= Gemm.NC && compact(x, xo, batch, in);
      // the weight gradient's column blocks: over the live columns of x where compacted
      g.liveWidth = Gemm.blockWidth(g.compactDw ? liveCount : in);
      int inBlocks = Gemm.tiles(in, g.inWidth), dwBlocks = g.compactDw ? Gemm.tiles(liveCount, g.liveWidth) : inBlocks;
      g.dwBlocks = dwBlocks;
      g.dwTasks = batch == 0 ? 0 : g.flipDw ? Gemm.tiles(out, g.outWidth) : Gemm.tiles(out, dwRows) * dwBlocks;
      // no product task writes dw: no samples, or no live column
      if (!accumulate && g.dwTasks == 0) java.util.Arrays.fill(dw, dwo, dwo + out * in, 0f);
      g.dxTasks = dx == null ? 0 : g.flipDx ? Gemm.tiles(batch, g.batchWidth) : inBlocks;
      g.sharedDw = !g.flipDw && batch > 0 && batch <= Gemm.KC && dwBlocks > 1;
      if (g.sharedDw) {
        dwPanels = panels(dwPanels, Gemm.tiles(out, dwRows));
        for (int m0 = 0, p = 0; m0 < out; m0 += dwRows, p++) {
          packA(dwPanels[p], true, Math.min(dwRows, out - m0), batch, dy, dyo + m0, out); // A(i, k) = dA[k][m0 + i]
        }
      }
      g.sharedDx = g.dxTasks > 1 && !g.flipDx && batch <= MAX_ROWS;
      if (g.sharedDx) {
        dxPanels = panels(dxPanels, Gemm.tiles(out, Gemm.KC));
        for (int k0 = 0, p = 0; k0 < out; k0 += Gemm.KC, p++) {
          packA(dxPanels[p], false, batch, Math.min(Gemm.KC, out - k0), dy, dyo + k0, out, true);
        }
      }
      pool.run(g, g.dwTasks + g.dxTasks + Gemm.tiles(out, g.outWidth));
    } finally {
      derivative.dy = derivative.y = null;
      Backward g = backward;
      g.dx = g.dw = g.db = g.dy = g.x = g.w = null;
    }
  }

  /**
   * Rows of w per task of a forward by rows of w: {@link Gemm#blockWidth} rounded up to whole tiles of
   * a kernel that reads A in tiles (1200 outputs: six blocks of 204 rows rather than 200, which left
   * two rows per block to the kernel's scalar edge loop).
   */
  private int rowBlock(int out) {
    int w = Gemm.blockWidth(out), f = kernel.flatRows();
    return f > 0 ? (w + f - 1) / f * f : w;
  }

  /** {@code p} with at least {@code n} panels. */
  private static Gemm.PackedA[] panels(Gemm.PackedA[] p, int n) {
    if (p.length >= n) return p;
    Gemm.PackedA[] q = java.util.Arrays.copyOf(p, n);
    for (int i = p.length; i < n; i++) q[i] = new Gemm.PackedA();
    return q;
  }

  /** Whether a product with {@code n} output columns and {@code m} rows runs better transposed. */
  private boolean narrow(int n, int m) {
    return transposeNarrow && n < 64 && m > n;
  }

  /**
   * Whether x (rows × in) has few enough live columns (some sample nonzero there; NaN counts as
   * nonzero) for the compacted path, at most {@value #LIVE_PERCENT}% (see the class comment); if so,
   * lists them in {@link #live} and {@link #run} and gathers x's live columns into {@link #xLive}.
   * Counts the live columns after rows 1, 2, 4, … and stops once too many are live, so a dense input
   * costs a scan of a row or two.
   */
  private boolean compact(float[] x, int xo, int rows, int in) {
    if (!compactInputs || rows == 0) return false;
    int limit = (int) ((long) in * LIVE_PERCENT / 100), n = 0;
    if (seen.length < in) seen = new float[in];
    float[] seen = this.seen;
    java.util.Arrays.fill(seen, 0, in, 0f);
    // seen[k] sums |x| down column k: zero exactly when every sample's x is ±0 there (the terms are
    // never negative, so nothing cancels; NaN and ∞ stay nonzero); a loop C2 vectorizes, where a
    // branch per element ran at 2.7 ns an element
    for (int j = 0, check = 1; j < rows; j++) {
      for (int k = 0, r = xo + j * in; k < in; k++) seen[k] += Math.abs(x[r + k]);
      if (j + 1 == check || j + 1 == rows) {
        n = 0;
        for (int k = 0; k < in; k++) n += seen[k] != 0f ? 1 : 0;
        if (n > limit) return false;
        check *= 2;
      }
    }
    if (live.length < n) {
      live = new int[n];
      run = new int[n];
    }
    for (int k = 0, c = 0; k < in; k++) if (seen[k] != 0f) live[c++] = k;
    for (int c = n - 1; c >= 0; c--) run[c] = c + 1 < n && live[c + 1] == live[c] + 1 ? run[c + 1] + 1 : 1;
    if (xLive.length < rows * n) xLive = new float[rows * n];
    for (int j = 0; j < rows; j++) {
      for (int c = 0, r = xo + j * in, d = j * n; c < n; ) {
        int len = run[c];
        System.arraycopy(x, r + live[c], xLive, d + c, len);
        c += len;
      }
    }
    liveCount = n;
    compactProducts++;
    return true;
  }

  /**
   * Packs xᵀ (in × batch, batch ≤ {@link Gemm#NC}) into {@link #xPanels}, one KC-deep panel per
   * depth block: the B panels every task of a forward by rows of w reads (packing them per task
   * transposed all of x once per task: 10% of a 4096 → 1200 forward in a profile).
   */
  private void packTransposed(float[] x, int xo, int batch, int in) {
    int panels = Gemm.tiles(in, Gemm.KC), rows = panels * Gemm.KC;
    if (xT.length < rows) {
      xT = new float[rows][Gemm.NC];
      xPanels = new float[panels][][];
      for (int p = 0; p < panels; p++) xPanels[p] = java.util.Arrays.copyOfRange(xT, p * Gemm.KC, (p + 1) * Gemm.KC);
    }
    for (int k0 = 0, p = 0; k0 < in; k0 += Gemm.KC, p++) {
      packCols(xPanels[p], Math.min(Gemm.KC, in - k0), batch, x, xo + k0, in); // B(k, j) = x[j][k0 + k]
    }
  }

  /** Forward: one task per column block of y, bias and activation applied in the epilogue. */
  private final class Forward implements WorkerPool.Job {
    float[] y, x, w, b;
    int yo, xo, wo, bo, batch, in, out, width;
    boolean flip, byRows, compact;
    Activation act;

    @Override
    public void run(int task, int worker) {
      Gemm.Scratch s = scratch(worker);
      if (byRows) {
        weightRows(s, task);
        return;
      }
      if (flip) {
        transposed(s, task);
        return;
      }
      int n0 = task * width, nc = Math.min(width, out - n0);
      System.arraycopy(b, bo + n0, s.row, 0, nc);
      for (int m0 = 0; m0 < batch; m0 += MAX_ROWS) {
        int mc = Math.min(MAX_ROWS, batch - m0);
        float[][] c = s.c(mc);
        Gemm.zero(c, mc, nc);
        for (int k0 = 0; k0 < in; k0 += Gemm.KC) {
          int kc = Math.min(Gemm.KC, in - k0);
          packA(s, false, mc, kc, x, xo + m0 * in + k0, in);
          packCols(s.b, kc, nc, w, wo + n0 * in + k0, in);
          multiply(s, c, s.b, mc, kc, nc);
        }
        for (int i = 0; i < mc; i++) {
          FastMath.biasActivate(c[i], s.row, nc, act);
          System.arraycopy(c[i], 0, y, yo + (m0 + i) * out + n0, nc);
        }
      }
    }

    /**
     * yᵀ[o0.., ..] = w[o0..] · xᵀ for a block of output units and every sample (B ≤ {@link Gemm#NC});
     * the bias and activation go in on the way out.
     */
    private void weightRows(Gemm.Scratch s, int t) {
      int o0 = t * width, mc = Math.min(width, out - o0);
      float[][] c = s.c(mc);
      Gemm.zero(c, mc, batch);
      boolean inPlace = kernel.stridedA() && !tf32; // TF32 rounds A in the packing
      int depth = compact ? liveCount : in;
      for (int k0 = 0; k0 < depth; k0 += Gemm.KC) {
        int kc = Math.min(Gemm.KC, depth - k0);
        float[][] b = xPanels[k0 / Gemm.KC]; // packed by the caller
        if (compact && inPlace && kernel.stridedLiveA()) {
          kernel.multiplyStridedLive(c, w, wo + o0 * in, in, live, k0, b, mc, kc, batch);
        } else if (compact) {
          packLive(s, mc, kc, w, wo + o0 * in, in, k0);
          multiply(s, c, b, mc, kc, batch);
        } else if (inPlace) {
          kernel.multiplyStrided(c, w, wo + o0 * in + k0, in, b, mc, kc, batch);
        } else {
          packA(s, false, mc, kc, w, wo + o0 * in + k0, in);
          multiply(s, c, b, mc, kc, batch);
        }
      }
      storeTransposed(s, c, o0, mc);
    }

    /** y[.., o0 + o] = act(c[o] + b[o0 + o]) for the block's output units o < mc. */
    private void storeTransposed(Gemm.Scratch s, float[][] c, int o0, int mc) {
      float[] bias = s.row;
      for (int o = 0; o < mc; o++) {
        java.util.Arrays.fill(bias, 0, batch, b[bo + o0 + o]);
        FastMath.biasActivate(c[o], bias, batch, act);
        float[] co = c[o];
        for (int j = 0; j < batch; j++) y[yo + j * out + o0 + o] = co[j];
      }
    }

    /** yᵀ[.., i0..] = w · xᵀ for a block of samples; the bias and activation go in on the way out. */
    private void transposed(Gemm.Scratch s, int t) {
      int i0 = t * width, nb = Math.min(width, batch - i0);
      float[][] c = s.c(out);
      Gemm.zero(c, out, nb);
      for (int k0 = 0; k0 < in; k0 += Gemm.KC) {
        int kc = Math.min(Gemm.KC, in - k0);
        packA(s, false, out, kc, w, wo + k0, in);
        packCols(s.b, kc, nb, x, xo + i0 * in + k0, in); // B(k, j) = x[i0 + j][k0 + k]
        multiply(s, c, s.b, out, kc, nb);
      }
      float[] bias = s.row;
      for (int o = 0; o < out; o++) {
        java.util.Arrays.fill(bias, 0, nb, b[bo + o]);
        FastMath.biasActivate(c[o], bias, nb, act);
        for (int j = 0; j < nb; j++) y[yo + (i0 + j) * out + o] = c[o][j];
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

  /** Weight-gradient blocks, then input-gradient blocks, then bias-gradient blocks. */
  private final class Backward implements WorkerPool.Job {
    float[] dx, dw, db, dy, x, w;
    int dxo, dwo, dbo, dyo, xo, wo, batch, in, out, inWidth, outWidth, batchWidth, dwTasks, dxTasks;
    /** The weight gradient's column blocks: their width and number (over x's live columns where compacted). */
    int liveWidth, dwBlocks;
    boolean flipDw, flipDx, compactDw, accumulate;
    /** Whether dA's panels were packed by the caller ({@link #dwPanels}, {@link #dxPanels}). */
    boolean sharedDw, sharedDx;

    @Override
    public void run(int task, int worker) {
      Gemm.Scratch s = scratch(worker);
      if (task < dwTasks) {
        if (compactDw) weightBlockLive(s, task);
        else if (flipDw) weightBlockTransposed(s, task);
        else weightBlock(s, task);
      } else if (task < dwTasks + dxTasks) {
        if (flipDx) inputBlockTransposed(s, task - dwTasks);
        else inputBlock(s, task - dwTasks);
      } else {
        biasBlock(s, task - dwTasks - dxTasks);
      }
    }

    /** dw[m0.., n0..] += dAᵀ·x, accumulated on top of the existing gradient (or from zero, not accumulating). */
    private void weightBlock(Gemm.Scratch s, int t) {
      int m0 = (t / dwBlocks) * dwRows, n0 = (t % dwBlocks) * liveWidth;
      int mc = Math.min(dwRows, out - m0), nc = Math.min(liveWidth, in - n0), at = dwo + m0 * in + n0;
      Gemm.PackedA pa = sharedDw ? dwPanels[t / dwBlocks] : s;
      // a kernel that writes C in place multiplies straight into dw; others through a scratch block
      float[][] c = kernel.flatC() ? null : s.c(mc);
      if (c != null && accumulate) for (int i = 0; i < mc; i++) System.arraycopy(dw, at + i * in, c[i], 0, nc);
      else if (c != null) Gemm.zero(c, mc, nc);
      for (int k0 = 0; k0 < batch; k0 += Gemm.KC) {
        int kc = Math.min(Gemm.KC, batch - k0);
        if (!sharedDw) packA(s, true, mc, kc, dy, dyo + k0 * out + m0, out); // A(i, k) = dA[k0 + k][m0 + i]
        packRows(s.b, kc, nc, x, xo + k0 * in + n0, in);
        if (c == null) kernel.multiplyInto(dw, at, in, !accumulate && k0 == 0, pa.a, pa.af, s.b, mc, kc, nc);
        else multiply(pa, c, s.b, mc, kc, nc);
      }
      if (c != null) for (int i = 0; i < mc; i++) System.arraycopy(c[i], 0, dw, at + i * in, nc);
    }

    /**
     * {@link #weightBlock} over x's live columns: the block {@code live[c0 … c0 + nc)} of the compacted
     * product dAᵀ·x_live, scattered into dw by runs of consecutive columns. The task owns dw's columns
     * from its first live column to the next block's (from 0, to the end, for the first and last
     * block), and writes the dead ones among them as zero when not accumulating.
     */
    private void weightBlockLive(Gemm.Scratch s, int t) {
      int n = liveCount;
      int m0 = (t / dwBlocks) * dwRows, c0 = (t % dwBlocks) * liveWidth;
      int mc = Math.min(dwRows, out - m0), nc = Math.min(liveWidth, n - c0);
      int lo = c0 == 0 ? 0 : live[c0], hi = c0 + nc == n ? in : live[c0 + nc];
      Gemm.PackedA pa = sharedDw ? dwPanels[t / dwBlocks] : s;
      float[][] c = s.c(mc);
      if (accumulate) {
        for (int i = 0; i < mc; i++) {
          for (int j = 0, row = dwo + (m0 + i) * in; j < nc; ) {
            int len = Math.min(run[c0 + j], nc - j);
            System.arraycopy(dw, row + live[c0 + j], c[i], j, len);
            j += len;
          }
        }
      } else {
        Gemm.zero(c, mc, nc);
      }
      for (int k0 = 0; k0 < batch; k0 += Gemm.KC) {
        int kc = Math.min(Gemm.KC, batch - k0);
        if (!sharedDw) packA(s, true, mc, kc, dy, dyo + k0 * out + m0, out); // A(i, k) = dA[k0 + k][m0 + i]
        packRows(s.b, kc, nc, xLive, k0 * n + c0, n);
        multiply(pa, c, s.b, mc, kc, nc);
      }
      for (int i = 0; i < mc; i++) {
        int row = dwo + (m0 + i) * in, k = lo;
        for (int j = 0; j < nc; ) {
          int col = live[c0 + j], len = Math.min(run[c0 + j], nc - j);
          if (!accumulate && col > k) java.util.Arrays.fill(dw, row + k, row + col, 0f);
          System.arraycopy(c[i], j, dw, row + col, len);
          j += len;
          k = col + len;
        }
        if (!accumulate && hi > k) java.util.Arrays.fill(dw, row + k, row + hi, 0f);
      }
    }

    /** dx[.., n0..] = dA·w. */
    private void inputBlock(Gemm.Scratch s, int t) {
      int n0 = t * inWidth, nc = Math.min(inWidth, in - n0);
      for (int m0 = 0; m0 < batch; m0 += MAX_ROWS) {
        int mc = Math.min(MAX_ROWS, batch - m0), mp = padded(mc);
        float[][] c = s.c(mp);
        Gemm.zero(c, mp, nc);
        for (int k0 = 0; k0 < out; k0 += Gemm.KC) {
          int kc = Math.min(Gemm.KC, out - k0);
          if (!sharedDx) packA(s, false, mc, kc, dy, dyo + m0 * out + k0, out, true);
          packRows(s.b, kc, nc, w, wo + k0 * in + n0, in);
          multiply(sharedDx ? dxPanels[k0 / Gemm.KC] : s, c, s.b, mp, kc, nc);
        }
        for (int i = 0; i < mc; i++) System.arraycopy(c[i], 0, dx, dxo + (m0 + i) * in + n0, nc);
      }
    }

    /** dwᵀ[.., o0..] += xᵀ·dA for a block of output units, for narrow inputs. */
    private void weightBlockTransposed(Gemm.Scratch s, int t) {
      int o0 = t * outWidth, nc = Math.min(outWidth, out - o0);
      float[][] c = s.c(in);
      if (accumulate) {
        for (int f = 0; f < in; f++) {
          for (int j = 0; j < nc; j++) c[f][j] = dw[dwo + (o0 + j) * in + f];
        }
      } else {
        Gemm.zero(c, in, nc);
      }
      for (int k0 = 0; k0 < batch; k0 += Gemm.KC) {
        int kc = Math.min(Gemm.KC, batch - k0);
        packA(s, true, in, kc, x, xo + k0 * in, in); // A(f, k) = x[k0 + k][f]
        packRows(s.b, kc, nc, dy, dyo + k0 * out + o0, out);
        multiply(s, c, s.b, in, kc, nc);
      }
      for (int f = 0; f < in; f++) {
        for (int j = 0; j < nc; j++) dw[dwo + (o0 + j) * in + f] = c[f][j];
      }
    }

    /** dxᵀ[.., i0..] = wᵀ·dAᵀ for a block of samples, for narrow inputs. */
    private void inputBlockTransposed(Gemm.Scratch s, int t) {
      int i0 = t * batchWidth, nb = Math.min(batchWidth, batch - i0);
      float[][] c = s.c(in);
      Gemm.zero(c, in, nb);
      for (int k0 = 0; k0 < out; k0 += Gemm.KC) {
        int kc = Math.min(Gemm.KC, out - k0);
        packA(s, true, in, kc, w, wo + k0 * in, in); // A(f, k) = w[k0 + k][f]
        packCols(s.b, kc, nb, dy, dyo + i0 * out + k0, out); // B(k, j) = dA[i0 + j][k0 + k]
        multiply(s, c, s.b, in, kc, nb);
      }
      for (int f = 0; f < in; f++) {
        for (int j = 0; j < nb; j++) dx[dxo + (i0 + j) * in + f] = c[f][j];
      }
    }

    /** db[o0..o0+nc) += (or, not accumulating, =) column sums of dA, each summed over the batch in row order. */
    private void biasBlock(Gemm.Scratch s, int t) {
      int o0 = t * outWidth, nc = Math.min(outWidth, out - o0);
      float[] acc = s.row;
      float[] src = s.c(1)[0];
      java.util.Arrays.fill(acc, 0, nc, 0f);
      for (int i = 0; i < batch; i++) {
        System.arraycopy(dy, dyo + i * out + o0, src, 0, nc);
        for (int j = 0; j < nc; j++) acc[j] += src[j];
      }
      if (accumulate) for (int j = 0; j < nc; j++) db[dbo + o0 + j] += acc[j];
      else System.arraycopy(acc, 0, db, dbo + o0, nc);
    }
  }
}
