package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;

/**
 * Launchers for {@code kernels/dense.cu}; argument order is defined here and nowhere else. Products
 * with few output tiles and a long reduction run split-K through a scratch buffer that is allocated
 * on first need and only ever grows, so steady-state steps allocate nothing.
 *
 * <p>With a {@link CublasGemm}, the three products (x·wᵀ, dA·w, dAᵀ·x) go to {@code cublasSgemm}
 * instead, while the bias + activation epilogue ({@code dense_bias_act}) and dA, db
 * ({@code dense_bias_grad}) stay ours, so both paths share the same elementwise code.
 */
public final class DenseKernels {
  private static final int TILE = 64;
  /** Aim for about two blocks per SM on the largest current GPUs (132 SMs). */
  static final int TARGET_BLOCKS = 256;
  /** Each split keeps at least this many K terms, so the partial sums stay worth their traffic. */
  static final int MIN_SPLIT_K = 256;
  static final int MAX_SPLITS = 32;

  /**
   * The kernel table, in one place. For each product (forward x·wᵀ over (B,OUT), dW over (OUT,IN),
   * dx over (B,IN)):
   * <ol>
   *   <li>{@code --precision tf32}: the WMMA kernels; with at least {@link #TF32_WIDE_MIN_BLOCKS} tiles of
   *       128×64 the wide ones ({@code *_tf32_wide}: 8 warps, 128-bit loads, double-buffered shared
   *       memory), else those of 64×64 tiles ({@code *_tf32}), the forward and dx split as below
   *       ({@code *_tf32_partial} + the FP32 {@code *_sum}) where the FP32 ones would be;
   *   <li>{@code --gemm cublas}: cuBLAS, then our epilogue;
   *   <li>at least {@link #WIDE_MIN_BLOCKS} tiles of 128×128: the warp-tiled kernels ({@code *_128});
   *   <li>else the 64×64 kernels, with the K sum split ({@code *_partial} + {@code *_sum}) when the
   *       output has fewer than {@link #TARGET_BLOCKS} tiles and K is long ({@link #kChunk}).
   * </ol>
   * The threshold is measured (bench/cuda's variants on an H200, 132 SMs, 2026-12-04; bench/RESULTS.md):
   * with 80 tiles of 128×128 (batch 1024 into 1200 outputs) the 128×128 kernel ran 1.5–1.6× the
   * 64×64 one (forward 4096→1200: 457 against 737 µs; 1200→1200: 134 against 206 µs), and the weight
   * gradient of 1200→1200 (100 tiles) 1.26× (13.4 against 16.9 µs); with 32 tiles or fewer (batch 64)
   * it ran at 0.1–0.35× the split-K 64×64 kernels. 64 tiles, half the SMs, lies between.
   */
  static final int WIDE = 128;
  /** 128×128 tiles from which the wide kernels run (measured; see the table above). */
  static final int WIDE_MIN_BLOCKS = 64;
  /** {@link #WIDE_MIN_BLOCKS}, lowered by tests so that the harness runs the wide kernels on small sizes. */
  int wideMinBlocks = WIDE_MIN_BLOCKS;
  /**
   * Columns of the FP32 wide kernels' tiles: 128 ({@code *_128}, the table's choice) or 64
   * ({@code *_128x64}: twice the tiles, for grids that fill the GPU's resident blocks poorly; chosen
   * only by {@link CudaBackend#denseTileWidth} until a GPU has timed it). The same bits either way.
   */
  int wideN = WIDE;
  /**
   * 128×64 tiles from which the TF32 products take the wide TF32 kernels: as for FP32, about half the
   * SMs of a 132-SM GPU. Not yet measured on a GPU (the 64×64 TF32 kernels ran at 8–67% of cuBLAS's
   * FP32 time on an H200; the wide ones are built as the FP32 wide kernels that ran at 53–88%).
   */
  static final int TF32_WIDE_MIN_BLOCKS = 64;
  /** {@link #TF32_WIDE_MIN_BLOCKS}, lowered by tests. */
  int tf32WideMinBlocks = TF32_WIDE_MIN_BLOCKS;

  private final Device dev;
  private final CublasGemm cublas;  // null: the hand-written GEMMs
  private final Scratch scratch;
  /** TF32 products on tensor cores ({@code kernels/dense_tf32.cu}, or cuBLAS's TF32 math). */
  boolean tf32;

  public DenseKernels(Device dev) {
    this(dev, null);
  }

  /** Launchers whose products run on {@code cublas} when it is not null (not owned: the backend closes it). */
  public DenseKernels(Device dev, CublasGemm cublas) {
    this.dev = dev;
    this.cublas = cublas;
    this.scratch = new Scratch(dev);
  }

  /**
   * The K chunk for an (M,N) output with a K-long sum, or K itself when splitting does not pay: the
   * output already has enough 64×64 tiles, or K is short. Chunks are multiples of 16 (the kernel's
   * K step) and none is empty.
   */
  static int kChunk(int m, int n, int k) {
    return kChunk((long) Launch.blocks(m, TILE) * Launch.blocks(n, TILE), k, MAX_SPLITS);
  }

  /** The chunk of a K-long sum for an output of {@code tiles} tiles, in at most {@code maxSplits} chunks. */
  static int kChunk(long tiles, int k, int maxSplits) {
    if (tiles >= TARGET_BLOCKS || k < 2 * MIN_SPLIT_K) return k;
    long s = Math.min(Math.min((TARGET_BLOCKS + tiles - 1) / tiles, k / MIN_SPLIT_K), maxSplits);
    if (s < 2) return k;
    int chunk = (int) ((k + s - 1) / s);
    return (chunk + 15) / 16 * 16;
  }

  /** x (B,IN), w (OUT,IN), b (OUT) → y (B,OUT) = act(x·wᵀ + b). */
  public void forward(Buf y, Buf x, Buf w, Buf b, int batch, int in, int out, Activation act) {
    String op = "dense forward";
    sizes(op, batch, in, out);
    if (act == null) throw new IllegalArgumentException(op + ": activation is null");
    CudaBuf Y = Launch.floats(op, "y", y, (long) batch * out), X = Launch.floats(op, "x", x, (long) batch * in);
    CudaBuf W = Launch.floats(op, "w", w, (long) out * in), B = Launch.floats(op, "b", b, out);
    if (cublas != null) {
      cublas.run(CublasGemm.forward(Y.address(), X.address(), W.address(), batch, in, out, 0f));
      epilogue(Y, B, batch, out, act);
      return;
    }
    if (tf32 && tf32Wide(batch, out)) {
      int vec = vec(X.address(), in, 1) | vec(W.address(), in, 2);
      dev.launch("dense_forward_tf32_wide", Dim3.of(Launch.blocks(out, TF32_WIDE_N), Launch.blocks(batch, WIDE)),
          Dim3.of(256), KernelArgs.of().ptr(Y.address()).ptr(X.address()).ptr(W.address()).ptr(B.address())
              .i32(batch).i32(in).i32(out).i32(act.ordinal()).i32(vec));
      return;
    }
    int chunk = kChunk(batch, out, in);
    if (tf32 && chunk >= in) {
      dev.launch("dense_forward_tf32", Dim3.of(Launch.blocks(out, TILE), Launch.blocks(batch, TILE)), Dim3.of(128),
          KernelArgs.of().ptr(Y.address()).ptr(X.address()).ptr(W.address()).ptr(B.address()).i32(batch).i32(in).i32(out)
              .i32(act.ordinal()));
      return;
    }
    if (!tf32 && wide(batch, out)) {
      int vec = vec(X.address(), in, 1) | vec(W.address(), in, 2) | vec(Y.address(), out, 4) & vec(B.address(), 0, 4);
      dev.launch(wideKernel("dense_forward"), Dim3.of(Launch.blocks(out, wideN), Launch.blocks(batch, WIDE)), Dim3.of(256),
          KernelArgs.of().ptr(Y.address()).ptr(X.address()).ptr(W.address()).ptr(B.address())
              .i32(batch).i32(in).i32(out).i32(act.ordinal()).i32(vec));
      return;
    }
    if (chunk >= in) {
      dev.launch("dense_forward", Dim3.of(Launch.blocks(out, TILE), Launch.blocks(batch, TILE)), Dim3.of(256),
          KernelArgs.of().ptr(Y.address()).ptr(X.address()).ptr(W.address()).ptr(B.address())
              .i32(batch).i32(in).i32(out).i32(act.ordinal()));
      return;
    }
    int splits = Launch.blocks(in, chunk);
    long partial = scratch.floats((long) splits * batch * out);
    dev.launch(tf32 ? "dense_forward_tf32_partial" : "dense_forward_partial", new Dim3(Launch.blocks(out, TILE),
        Launch.blocks(batch, TILE), splits), Dim3.of(tf32 ? 128 : 256),
        KernelArgs.of().ptr(partial).ptr(X.address()).ptr(W.address()).i32(batch).i32(in).i32(out).i32(chunk));
    dev.launch("dense_forward_sum", Dim3.of(Launch.blocks(out, 256), batch), Dim3.of(256),
        KernelArgs.of().ptr(Y.address()).ptr(partial).ptr(B.address()).i32(batch).i32(out).i32(splits).i32(act.ordinal()));
  }

  /**
   * dy (B,OUT) becomes dA = dy ⊙ act'(y); dw (OUT,IN) += dAᵀ·x; db (OUT) += Σ_B dA; dx (B,IN) = dA·w
   * when dx is not null. Same contract as {@link io.github.betavae.backend.Backend#denseBackward}.
   */
  public void backward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, int batch, int in, int out, Activation act) {
    backward(dx, dw, db, dy, y, x, w, batch, in, out, act, true);
  }

  /**
   * {@link #backward} with dw and db written (=) rather than accumulated into (+=) when
   * {@code accumulate} is false: the kernels start each sum from zero themselves, so the gradient
   * needs no fill beforehand and is not read (the same bits as a fill and then accumulating; through
   * cuBLAS, β = 0 instead of 1, which may pick another algorithm and so agree only within rounding).
   */
  public void backward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, int batch, int in, int out, Activation act,
                       boolean accumulate) {
    String op = "dense backward";
    int accum = accumulate ? 1 : 0;
    sizes(op, batch, in, out);
    if (act == null) throw new IllegalArgumentException(op + ": activation is null");
    CudaBuf DW = Launch.floats(op, "dw", dw, (long) out * in), DB = Launch.floats(op, "db", db, out);
    CudaBuf DY = Launch.floats(op, "dy", dy, (long) batch * out), Y = Launch.floats(op, "y", y, (long) batch * out);
    CudaBuf X = Launch.floats(op, "x", x, (long) batch * in), W = Launch.floats(op, "w", w, (long) out * in);
    CudaBuf DX = dx == null ? null : Launch.floats(op, "dx", dx, (long) batch * in);
    dev.launch("dense_bias_grad", Dim3.of(Launch.blocks(out, 32)), Dim3.of(256),
        KernelArgs.of().ptr(DY.address()).ptr(DB.address()).ptr(Y.address()).i32(batch).i32(out).i32(act.ordinal())
            .i32(accum));
    if (cublas != null) {
      cublas.run(CublasGemm.weightGrad(DW.address(), DY.address(), X.address(), batch, in, out, accumulate));
      if (DX != null) cublas.run(CublasGemm.inputGrad(DX.address(), DY.address(), W.address(), batch, in, out));
      return;
    }
    int wChunk = kChunk(out, in, batch);
    if (tf32 && tf32Wide(out, in)) {
      int vec = vec(DY.address(), out, 1) | vec(X.address(), in, 2);
      dev.launch("dense_backward_dw_tf32_wide", Dim3.of(Launch.blocks(in, TF32_WIDE_N), Launch.blocks(out, WIDE)),
          Dim3.of(256), KernelArgs.of().ptr(DW.address()).ptr(DY.address()).ptr(X.address()).i32(batch).i32(in).i32(out)
              .i32(vec).i32(accum));
    } else if (tf32) {
      dev.launch("dense_backward_dw_tf32", Dim3.of(Launch.blocks(in, TILE), Launch.blocks(out, TILE)), Dim3.of(128),
          KernelArgs.of().ptr(DW.address()).ptr(DY.address()).ptr(X.address()).i32(batch).i32(in).i32(out).i32(accum));
    } else if (wide(out, in)) {
      int vec = vec(DY.address(), out, 1) | vec(X.address(), in, 2) | vec(DW.address(), in, 4);
      dev.launch(wideKernel("dense_backward_dw"), Dim3.of(Launch.blocks(in, wideN), Launch.blocks(out, WIDE)), Dim3.of(256),
          KernelArgs.of().ptr(DW.address()).ptr(DY.address()).ptr(X.address()).i32(batch).i32(in).i32(out).i32(vec)
              .i32(accum));
    } else if (wChunk >= batch) {
      dev.launch("dense_backward_dw", Dim3.of(Launch.blocks(in, TILE), Launch.blocks(out, TILE)), Dim3.of(256),
          KernelArgs.of().ptr(DW.address()).ptr(DY.address()).ptr(X.address()).i32(batch).i32(in).i32(out).i32(accum));
    } else {
      // a thin layer at a large batch: split the B-long sum (deterministic, partials summed in order)
      int splits = Launch.blocks(batch, wChunk);
      long partial = scratch.floats((long) splits * out * in);
      dev.launch("dense_backward_dw_partial", new Dim3(Launch.blocks(in, TILE), Launch.blocks(out, TILE), splits), Dim3.of(256),
          KernelArgs.of().ptr(partial).ptr(DY.address()).ptr(X.address()).i32(batch).i32(in).i32(out).i32(wChunk));
      dev.launch("dense_backward_dw_sum", Dim3.of(Launch.blocks(in, 256), out), Dim3.of(256),
          KernelArgs.of().ptr(DW.address()).ptr(partial).i32(out).i32(in).i32(splits).i32(accum));
    }
    if (DX == null) return;
    if (tf32 && tf32Wide(batch, in)) {
      int vec = vec(DY.address(), out, 1) | vec(W.address(), in, 2);
      dev.launch("dense_backward_dx_tf32_wide", Dim3.of(Launch.blocks(in, TF32_WIDE_N), Launch.blocks(batch, WIDE)),
          Dim3.of(256), KernelArgs.of().ptr(DX.address()).ptr(DY.address()).ptr(W.address()).i32(batch).i32(in).i32(out)
              .i32(vec));
      return;
    }
    int chunk = kChunk(batch, in, out);
    if (tf32 && chunk >= out) {
      dev.launch("dense_backward_dx_tf32", Dim3.of(Launch.blocks(in, TILE), Launch.blocks(batch, TILE)), Dim3.of(128),
          KernelArgs.of().ptr(DX.address()).ptr(DY.address()).ptr(W.address()).i32(batch).i32(in).i32(out));
      return;
    }
    if (!tf32 && wide(batch, in)) {
      int vec = vec(DY.address(), out, 1) | vec(W.address(), in, 2) | vec(DX.address(), in, 4);
      dev.launch(wideKernel("dense_backward_dx"), Dim3.of(Launch.blocks(in, wideN), Launch.blocks(batch, WIDE)), Dim3.of(256),
          KernelArgs.of().ptr(DX.address()).ptr(DY.address()).ptr(W.address()).i32(batch).i32(in).i32(out).i32(vec));
      return;
    }
    if (chunk >= out) {
      dev.launch("dense_backward_dx", Dim3.of(Launch.blocks(in, TILE), Launch.blocks(batch, TILE)), Dim3.of(256),
          KernelArgs.of().ptr(DX.address()).ptr(DY.address()).ptr(W.address()).i32(batch).i32(in).i32(out));
      return;
    }
    int splits = Launch.blocks(out, chunk);
    long partial = scratch.floats((long) splits * batch * in);
    dev.launch(tf32 ? "dense_backward_dx_tf32_partial" : "dense_backward_dx_partial", new Dim3(Launch.blocks(in, TILE),
        Launch.blocks(batch, TILE), splits), Dim3.of(tf32 ? 128 : 256),
        KernelArgs.of().ptr(partial).ptr(DY.address()).ptr(W.address()).i32(batch).i32(in).i32(out).i32(chunk));
    dev.launch("dense_backward_dx_sum", Dim3.of(Launch.blocks(in, 256), batch), Dim3.of(256),
        KernelArgs.of().ptr(DX.address()).ptr(partial).i32(batch).i32(in).i32(splits));
  }

  /** Columns of a wide TF32 kernel's tile (its rows: {@link #WIDE}). */
  static final int TF32_WIDE_N = 64;

  /** Whether an (M,N) TF32 output goes to the 128×64 TF32 kernels (see the table above). */
  boolean tf32Wide(int m, int n) {
    return (long) Launch.blocks(m, WIDE) * Launch.blocks(n, TF32_WIDE_N) >= tf32WideMinBlocks;
  }

  /** The FP32 wide kernel of {@code product} for the tile width {@link #wideN}. */
  private String wideKernel(String product) {
    return product + (wideN == WIDE ? "_128" : "_128x64");
  }

  /** Whether an (M,N) output goes to the 128×128 kernels (see the table above). */
  boolean wide(int m, int n) {
    return (long) Launch.blocks(m, WIDE) * Launch.blocks(n, WIDE) >= wideMinBlocks;
  }

  /**
   * {@code bit} when the matrix at {@code address} allows 128-bit accesses along its rows: 16-byte
   * aligned, and a row stride of {@code stride} floats that keeps every row so (0 for a vector);
   * else 0 (the kernels then load and store element by element).
   */
  static int vec(long address, long stride, int bit) {
    return address % 16 == 0 && stride % 4 == 0 ? bit : 0;
  }

  /**
   * y (B,OUT) = act(y + b) in place: the epilogue after an external GEMM has written y = x·wᵀ.
   * Package-private so the host-harness tests can run it without cuBLAS.
   */
  void epilogue(CudaBuf y, CudaBuf b, int batch, int out, Activation act) {
    dev.launch("dense_bias_act", Dim3.of(Launch.blocks(out, 256), batch), Dim3.of(256),
        KernelArgs.of().ptr(y.address()).ptr(b.address()).i32(batch).i32(out).i32(act.ordinal()));
  }

  private static void sizes(String op, int batch, int in, int out) {
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "in", in);
    Launch.positive(op, "out", out);
    // grid.y carries the batch row by row in the elementwise passes (tiles of 64 in the products, OUT
    // for dW): at most 65535 rows
    Launch.atMost(op, "batch", batch, 65535L);
    Launch.atMost(op, "out", out, 65535L * TILE);
  }
}
