package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Conv2d;

/**
 * Launchers for {@code kernels/conv.cu}; argument order is defined here and nowhere else. A
 * convolution's forward is {@code conv_narrow} and its input gradient {@code conv_wide}; a transposed
 * convolution's the other way round (see the file's header and {@link Conv2d}).
 */
final class ConvKernels {
  private static final int MAX_GRID_YZ = 65535;
  private final Device dev;

  ConvKernels(Device dev) {
    this.dev = dev;
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
    dev.launch("conv_bias_grad", Dim3.of(s.outC()), Dim3.of(Launch.THREADS), KernelArgs.of().ptr(DY.address()).ptr(DB.address())
        .ptr(Y.address()).i32(s.batch()).i32(s.outC()).i32(s.outH() * s.outW()).i32(act.ordinal()));
    long wide = s.transposed() ? DY.address() : X.address(), narrow = s.transposed() ? X.address() : DY.address();
    long elements = (long) s.narrowC() * s.wideC() * s.kernel() * s.kernel();
    dev.launch("conv_kernel_grad", Dim3.of(Launch.blocks(elements, Launch.THREADS)), Dim3.of(Launch.THREADS),
        KernelArgs.of().ptr(DW.address()).ptr(wide).ptr(narrow).i32(s.batch()).i32(s.wideC()).i32(s.wideH()).i32(s.wideW())
            .i32(s.narrowC()).i32(s.narrowH()).i32(s.narrowW()).i32(s.kernel()).i32(s.stride()).i32(s.pad()));
    if (DX == null) return;
    if (s.transposed()) narrow(DX.address(), DY.address(), W.address(), 0, s, Activation.IDENTITY);
    else wide(DX.address(), DY.address(), W.address(), 0, s, Activation.IDENTITY);
  }

  /** Y = act(Σ X·K + b) from X at {@code x}; b 0 for none. */
  private void narrow(long y, long x, long k, long b, Conv2d s, Activation act) {
    dev.launch("conv_narrow", new Dim3(Launch.blocks((long) s.narrowH() * s.narrowW(), Launch.THREADS), s.narrowC(), s.batch()),
        Dim3.of(Launch.THREADS), geometry(KernelArgs.of().ptr(y).ptr(x).ptr(k).ptr(b), s).i32(act.ordinal()));
  }

  /** X = act(Σ Y·K + b) from Y at {@code y}; b 0 for none. */
  private void wide(long x, long y, long k, long b, Conv2d s, Activation act) {
    dev.launch("conv_wide", new Dim3(Launch.blocks((long) s.wideH() * s.wideW(), Launch.THREADS), s.wideC(), s.batch()),
        Dim3.of(Launch.THREADS), geometry(KernelArgs.of().ptr(x).ptr(y).ptr(k).ptr(b), s).i32(act.ordinal()));
  }

  private static KernelArgs geometry(KernelArgs a, Conv2d s) {
    return a.i32(s.wideC()).i32(s.wideH()).i32(s.wideW()).i32(s.narrowC()).i32(s.narrowH()).i32(s.narrowW())
        .i32(s.kernel()).i32(s.stride()).i32(s.pad());
  }

  private static void check(String op, Conv2d s) {
    if (s == null) throw new IllegalArgumentException(op + ": shape is null");
    Launch.atMost(op, "batch", s.batch(), MAX_GRID_YZ);
    Launch.atMost(op, "channels", Math.max(s.inC(), s.outC()), MAX_GRID_YZ);
  }
}
