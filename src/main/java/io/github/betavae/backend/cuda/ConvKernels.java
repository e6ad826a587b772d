package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Conv2d;

/**
 * Launchers for {@code kernels/conv.cu}; argument order is defined here and nowhere else. A
 * convolution's forward is {@code conv_narrow} and its input gradient {@code conv_wide}; a transposed
 * convolution's the other way round (see the file's header and {@link Conv2d}). All three products
 * are implicit GEMMs; the kernel table, in one place:
 * <ul>
 *   <li>tiles of 32 rows ({@code tm} 2) where the product has at most 32 output channels (most layers
 *       of the conv architectures), else 64; 64 columns, or 16 for a weight gradient whose C·k² is
 *       at most 16 (one input channel, k 4);
 *   <li>the weight gradient's sum over (n, i, j) in chunks (through a scratch buffer,
 *       {@link DenseKernels#kChunk(long, int, int)}) when the weight has too few tiles to fill the GPU;
 *   <li>a wide side of at most {@link #DIRECT_MAX_CHANNELS} channels direct, one thread per output;
 *   <li>the bias gradient one block per channel, or per (channel, chunk of samples) where a channel
 *       has many positions ({@link #biasChunk});
 *   <li>{@code --precision tf32}: the {@code *_tf32} kernels on tensor cores (dense_tf32.cu's 64×64
 *       WMMA tile with the same gathering loaders; the weight gradient split the same way), the direct
 *       kernel with its operands rounded.
 * </ul>
 * Chosen by the occupancy arithmetic and the waste of padded tile rows, not yet tuned on a GPU.
 */
final class ConvKernels {
  /** Columns (positions) per tile of conv_narrow and conv_wide. */
  private static final int COLS = 64;
  /** The TF32 kernels' square tile and block (dense_tf32.cu). */
  private static final int TF32_TILE = 64, TF32_THREADS = 128;
  private static final int MAX_GRID_YZ = 65535;
  /**
   * Wide-side channels up to which {@code conv_wide_direct} (one thread per output) runs instead of
   * the product, whose 32-row tiles would be nearly all padding; the CPU's ConvGemm draws the same line.
   */
  static final int DIRECT_MAX_CHANNELS = 4;
  /**
   * At most this many chunks of the weight gradient's sum: the first and last layers of the conv
   * architectures have one tile of weight gradient and 65,536 rows at batch 64, which 256 chunks of
   * 256 rows spread over the whole GPU.
   */
  static final int MAX_SPLITS = 256;

  /** Fewest (sample, position) terms a block of the split bias gradient takes. */
  static final int MIN_BIAS_TERMS = 4096;

  private final Device dev;
  private final Scratch scratch;
  /** The bias gradient's partial sums: separate from {@link #scratch}, which the weight gradient may be using. */
  private final Scratch biasScratch;
  /** TF32 products on tensor cores; set by the backend between calls. */
  boolean tf32;

  ConvKernels(Device dev) {
    this.dev = dev;
    this.scratch = new Scratch(dev);
    this.biasScratch = new Scratch(dev);
  }

  void forward(Buf y, Buf x, Buf w, Buf b, Conv2d s, Activation act) {
    String op = "conv forward";
    check(op, s);
    if (act == null) throw new IllegalArgumentException(op + ": activation is null");
    CudaBuf Y = Launch.floats(op, "y", y, s.outSize()), X = Launch.floats(op, "x", x, s.inSize());
    CudaBuf W = Launch.floats(op, "w", w, s.weightSize()), B = Launch.floats(op, "b", b, s.outC());
    if (s.transposed()) wide(Y.address(), X.address(), W.address(), B.address(), s, act);
    else narrow(Y.address(), X.address(), W.address(), B.address(), s, act);
  }

  void backward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, Conv2d s, Activation act) {
    String op = "conv backward";
    check(op, s);
    if (act == null) throw new IllegalArgumentException(op + ": activation is null");
    CudaBuf DW = Launch.floats(op, "dw", dw, s.weightSize()), DB = Launch.floats(op, "db", db, s.outC());
    CudaBuf DY = Launch.floats(op, "dy", dy, s.outSize()), Y = Launch.floats(op, "y", y, s.outSize());
    CudaBuf X = Launch.floats(op, "x", x, s.inSize()), W = Launch.floats(op, "w", w, s.weightSize());
    CudaBuf DX = dx == null ? null : Launch.floats(op, "dx", dx, s.inSize());
    biasGrad(DY.address(), DB.address(), Y.address(), s, act);
    long wide = s.transposed() ? DY.address() : X.address(), narrow = s.transposed() ? X.address() : DY.address();
    kernelGrad(DW.address(), wide, narrow, s);
    if (DX == null) return;
    if (s.transposed()) narrow(DX.address(), DY.address(), W.address(), 0, s, Activation.IDENTITY);
    else wide(DX.address(), DY.address(), W.address(), 0, s, Activation.IDENTITY);
  }

  /**
   * Samples per block of the bias gradient: all of them (one block per channel) unless a channel
   * has many positions and there are few channels, then chunks that bring the grid toward
   * {@link DenseKernels#TARGET_BLOCKS} blocks of at least {@link #MIN_BIAS_TERMS} terms each (the
   * decoder's one-channel output at batch 64: 64 blocks instead of one).
   */
  static int biasChunk(Conv2d s) {
    long perChannel = (long) s.batch() * s.outH() * s.outW();
    long splits = Math.min(Math.min(s.batch(), (DenseKernels.TARGET_BLOCKS + s.outC() - 1) / s.outC()), perChannel / MIN_BIAS_TERMS);
    return splits < 2 ? s.batch() : (int) ((s.batch() + splits - 1) / splits);
  }

  /** dA in place of dy; db += Σ dA per channel (see {@link #biasChunk}). */
  private void biasGrad(long dy, long db, long y, Conv2d s, Activation act) {
    int chunk = biasChunk(s), plane = s.outH() * s.outW();
    if (chunk >= s.batch()) {
      dev.launch("conv_bias_grad", Dim3.of(s.outC()), Dim3.of(Launch.THREADS),
          KernelArgs.of().ptr(dy).ptr(db).ptr(y).i32(s.batch()).i32(s.outC()).i32(plane).i32(act.ordinal()));
      return;
    }
    int splits = Launch.blocks(s.batch(), chunk);
    long partial = biasScratch.floats((long) splits * s.outC());
    dev.launch("conv_bias_grad_partial", Dim3.of(s.outC(), splits), Dim3.of(Launch.THREADS),
        KernelArgs.of().ptr(dy).ptr(partial).ptr(y).i32(s.batch()).i32(s.outC()).i32(plane).i32(act.ordinal()).i32(chunk));
    addChunks(db, partial, 1, s.outC(), splits);
  }

  /** dst (rows, cols) += Σ_z partial[z] over the {@code splits} chunks, z ascending ({@code dense_backward_dw_sum}). */
  private void addChunks(long dst, long partial, int rows, int cols, int splits) {
    dev.launch("dense_backward_dw_sum", Dim3.of(Launch.blocks(cols, Launch.THREADS), rows), Dim3.of(Launch.THREADS),
        KernelArgs.of().ptr(dst).ptr(partial).i32(rows).i32(cols).i32(splits).i32(1));
  }

  /**
   * The chunk of the weight gradient's (n, i, j) sum each block takes, or all the rows when the
   * weight's (O, C·k²) tiles fill the GPU or the sum is short (then the CPU engine's bits).
   */
  static int rowChunk(Conv2d s) {
    int o = s.narrowC(), kd = kernelColumns(s);
    return DenseKernels.kChunk((long) Launch.blocks(o, 16 * tm(o)) * Launch.blocks(kd, 16 * tn(kd)), rows(s), MAX_SPLITS);
  }

  /** Outputs per thread along a tile's rows for a product with {@code rows} output channels: 2 or 4. */
  static int tm(int rows) {
    return rows <= 32 ? 2 : 4;
  }

  /** Outputs per thread along a weight gradient tile's columns for C·k² = {@code columns}: 1 or 4. */
  static int tn(int columns) {
    return columns <= 16 ? 1 : 4;
  }

  private static int kernelColumns(Conv2d s) {
    return s.wideC() * s.kernel() * s.kernel();
  }

  private static int rows(Conv2d s) {
    return s.batch() * s.narrowH() * s.narrowW();
  }

  /** K += Σ over (n, i, j) of Y·im2col(X), X at {@code wide}, Y at {@code narrow}. */
  private void kernelGrad(long dw, long wide, long narrow, Conv2d s) {
    if (tf32) {
      int o = s.narrowC(), kd = kernelColumns(s), rows = rows(s);
      int gx = Launch.blocks(kd, TF32_TILE), gy = Launch.blocks(o, TF32_TILE);
      int chunk = DenseKernels.kChunk((long) gx * gy, rows, MAX_SPLITS), splits = Launch.blocks(rows, chunk);
      long out = splits == 1 ? dw : scratch.floats((long) splits * o * kd);
      dev.launch("conv_kernel_grad_tf32", new Dim3(gx, gy, splits), Dim3.of(TF32_THREADS),
          geometry(KernelArgs.of().ptr(out).ptr(wide).ptr(narrow), s).i32(chunk).i32(splits == 1 ? 1 : 0));
      if (splits > 1) addChunks(dw, out, o, kd, splits);
      return;
    }
    int o = s.narrowC(), kd = kernelColumns(s), rows = rows(s), chunk = rowChunk(s), tm = tm(o), tn = tn(kd);
    int gx = Launch.blocks(kd, 16 * tn), gy = Launch.blocks(o, 16 * tm);
    if (chunk >= rows) {
      dev.launch("conv_kernel_grad", Dim3.of(gx, gy), Dim3.of(Launch.THREADS),
          geometry(KernelArgs.of().ptr(dw).ptr(wide).ptr(narrow), s).i32(tm).i32(tn));
      return;
    }
    int splits = Launch.blocks(rows, chunk);
    long partial = scratch.floats((long) splits * o * kd);
    dev.launch("conv_kernel_grad_partial", new Dim3(gx, gy, splits), Dim3.of(Launch.THREADS),
        geometry(KernelArgs.of().ptr(partial).ptr(wide).ptr(narrow), s).i32(chunk).i32(tm).i32(tn));
    addChunks(dw, partial, o, kd, splits);
  }

  /** Y = act(Σ X·K + b) from X at {@code x}; b 0 for none. */
  private void narrow(long y, long x, long k, long b, Conv2d s, Activation act) {
    if (tf32) {
      dev.launch("conv_narrow_tf32", Dim3.of(Launch.blocks(rows(s), TF32_TILE), Launch.blocks(s.narrowC(), TF32_TILE)),
          Dim3.of(TF32_THREADS), geometry(KernelArgs.of().ptr(y).ptr(x).ptr(k).ptr(b), s).i32(act.ordinal()));
      return;
    }
    int tm = tm(s.narrowC());
    dev.launch("conv_narrow", Dim3.of(Launch.blocks(rows(s), COLS), Launch.blocks(s.narrowC(), 16 * tm)), Dim3.of(Launch.THREADS),
        geometry(KernelArgs.of().ptr(y).ptr(x).ptr(k).ptr(b), s).i32(act.ordinal()).i32(tm));
  }

  /** X = act(Σ Y·K + b) from Y at {@code y}; b 0 for none. */
  private void wide(long x, long y, long k, long b, Conv2d s, Activation act) {
    if (s.wideC() <= DIRECT_MAX_CHANNELS) {
      dev.launch("conv_wide_direct", new Dim3(Launch.blocks((long) s.wideH() * s.wideW(), Launch.THREADS), s.wideC(), s.batch()),
          Dim3.of(Launch.THREADS), shape(KernelArgs.of().ptr(x).ptr(y).ptr(k).ptr(b), s).i32(act.ordinal()).i32(tf32 ? 1 : 0));
      return;
    }
    // the largest stride phase has ⌈H/s⌉·⌈W/s⌉ positions per sample; smaller ones leave blocks idle
    int st = s.stride();
    long cols = (long) s.batch() * ((s.wideH() + st - 1) / st) * ((s.wideW() + st - 1) / st);
    if (tf32) {
      dev.launch("conv_wide_tf32", new Dim3(Launch.blocks(cols, TF32_TILE), Launch.blocks(s.wideC(), TF32_TILE), st * st),
          Dim3.of(TF32_THREADS), geometry(KernelArgs.of().ptr(x).ptr(y).ptr(k).ptr(b), s).i32(act.ordinal()));
      return;
    }
    int tm = tm(s.wideC());
    dev.launch("conv_wide", new Dim3(Launch.blocks(cols, COLS), Launch.blocks(s.wideC(), 16 * tm), st * st),
        Dim3.of(Launch.THREADS), geometry(KernelArgs.of().ptr(x).ptr(y).ptr(k).ptr(b), s).i32(act.ordinal()).i32(tm));
  }

  /** N, then {@link #shape}. */
  private static KernelArgs geometry(KernelArgs a, Conv2d s) {
    return shape(a.i32(s.batch()), s);
  }

  private static KernelArgs shape(KernelArgs a, Conv2d s) {
    return a.i32(s.wideC()).i32(s.wideH()).i32(s.wideW()).i32(s.narrowC()).i32(s.narrowH()).i32(s.narrowW())
        .i32(s.kernel()).i32(s.stride()).i32(s.pad());
  }

  private static void check(String op, Conv2d s) {
    if (s == null) throw new IllegalArgumentException(op + ": shape is null");
    Launch.atMost(op, "batch", s.batch(), MAX_GRID_YZ);
    Launch.atMost(op, "channels", Math.max(s.inC(), s.outC()), MAX_GRID_YZ);
    // the kernels index samples × positions and the weight gradient's rows with 32-bit ints
    Launch.atMost(op, "batch × positions", (long) s.batch() * Math.max((long) s.inH() * s.inW(), (long) s.outH() * s.outW()),
        Integer.MAX_VALUE);
    Launch.atMost(op, "stride", s.stride(), 181);  // stride² phases in grid.z
  }
}
