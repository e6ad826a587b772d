package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;

/** Launchers for {@code kernels/dense.cu}; argument order is defined here and nowhere else. */
public final class DenseKernels {
  private static final int TILE = 64;
  private final Device dev;

  public DenseKernels(Device dev) {
    this.dev = dev;
  }

  /** x (B,IN), w (OUT,IN), b (OUT) → y (B,OUT) = act(x·wᵀ + b). */
  public void forward(Buf y, Buf x, Buf w, Buf b, int batch, int in, int out, Activation act) {
    String op = "dense forward";
    sizes(op, batch, in, out);
    if (act == null) throw new IllegalArgumentException(op + ": activation is null");
    CudaBuf Y = Launch.floats(op, "y", y, (long) batch * out), X = Launch.floats(op, "x", x, (long) batch * in);
    CudaBuf W = Launch.floats(op, "w", w, (long) out * in), B = Launch.floats(op, "b", b, out);
    dev.launch("dense_forward_kernel1", Dim3.of(Launch.blocks(out, TILE), Launch.blocks(batch, TILE)), Dim3.of(256),
        KernelArgs.of().ptr(Y.address()).ptr(X.address()).ptr(W.address()).ptr(B.address())
            .i32(batch).i32(in).i32(out).i32(act.ordinal()));
  }

  /**
   * dy (B,OUT) becomes dA = dy ⊙ act'(y); dw (OUT,IN) += dAᵀ·x; db (OUT) += Σ_B dA; dx (B,IN) = dA·w
   * when dx is not null. Same contract as {@link io.github.betavae.backend.Backend#denseBackward}.
   */
  public void backward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, int batch, int in, int out, Activation act) {
    String op = "dense backward";
    sizes(op, batch, in, out);
    if (act == null) throw new IllegalArgumentException(op + ": activation is null");
    CudaBuf DW = Launch.floats(op, "dw", dw, (long) out * in), DB = Launch.floats(op, "db", db, out);
    CudaBuf DY = Launch.floats(op, "dy", dy, (long) batch * out), Y = Launch.floats(op, "y", y, (long) batch * out);
    CudaBuf X = Launch.floats(op, "x", x, (long) batch * in), W = Launch.floats(op, "w", w, (long) out * in);
    CudaBuf DX = dx == null ? null : Launch.floats(op, "dx", dx, (long) batch * in);
    dev.launch("dense_backward_kernel1", Dim3.of(Launch.blocks(out, 256)), Dim3.of(256),
        KernelArgs.of().ptr(DY.address()).ptr(DB.address()).ptr(Y.address()).i32(batch).i32(out).i32(act.ordinal()));
    dev.launch("dense_backward_kernel2", Dim3.of(Launch.blocks(in, TILE), Launch.blocks(out, TILE)), Dim3.of(256),
        KernelArgs.of().ptr(DW.address()).ptr(DY.address()).ptr(X.address()).i32(batch).i32(in).i32(out));
    if (DX != null) {
      dev.launch("dense_backward_kernel3", Dim3.of(Launch.blocks(in, TILE), Launch.blocks(batch, TILE)), Dim3.of(256),
          KernelArgs.of().ptr(DX.address()).ptr(DY.address()).ptr(W.address()).i32(batch).i32(in).i32(out));
    }
  }

  private static void sizes(String op, int batch, int in, int out) {
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "in", in);
    Launch.positive(op, "out", out);
    // grid.y carries the batch (or OUT for dW) in tiles of 64: at most 65535 tiles
    Launch.atMost(op, "batch", batch, 65535L * TILE);
    Launch.atMost(op, "out", out, 65535L * TILE);
  }
}
