package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;

/** Launchers for {@code kernels/vae.cu}: reparameterization fused with the KL, and its backward. */
public final class VaeKernels {
  private final Device dev;

  public VaeKernels(Device dev) {
    this.dev = dev;
  }

  /** stats (B,2Z) → z (B,Z), klSum (Z); see {@link io.github.betavae.backend.Backend#reparamForward}. */
  public void forward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, long step, boolean sample) {
    forward(z, klSum, stats, batch, latent, seed, step, sample, 0);
  }

  /**
   * With {@code rec} ≠ 0 (a step record's device address, {@link StepKernels}), the step is read
   * from the record on the device ({@code reparam_forward_kernel2}) and ε is always drawn.
   */
  void forward(Buf z, Buf klSum, Buf stats, int batch, int latent, long seed, long step, boolean sample, long rec) {
    String op = "reparam forward";
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "latent", latent);
    CudaBuf Z = Launch.floats(op, "z", z, (long) batch * latent), K = Launch.floats(op, "klSum", klSum, latent);
    CudaBuf S = Launch.floats(op, "stats", stats, 2L * batch * latent);
    KernelArgs a = KernelArgs.of().ptr(Z.address()).ptr(K.address()).ptr(S.address()).i32(batch).i32(latent).i64(seed);
    if (rec != 0) dev.launch("reparam_forward_kernel2", Dim3.of(latent), Dim3.of(128), a.ptr(rec));
    else dev.launch("reparam_forward_kernel1", Dim3.of(latent), Dim3.of(128), a.i64(step).i32(sample ? 1 : 0));
  }

  /** → dstats (B,2Z); dz may be null; see {@link io.github.betavae.backend.Backend#reparamBackward}. */
  public void backward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent, long seed, long step, boolean sample) {
    backward(dstats, dz, stats, klGrad, batch, latent, seed, step, sample, 0);
  }

  /** As {@link #forward(Buf, Buf, Buf, int, int, long, long, boolean, long)}: rec ≠ 0 reads the step on the device. */
  void backward(Buf dstats, Buf dz, Buf stats, Buf klGrad, int batch, int latent, long seed, long step, boolean sample, long rec) {
    String op = "reparam backward";
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "latent", latent);
    Launch.atMost(op, "batch × latent", (long) batch * latent, Integer.MAX_VALUE - 255L);
    CudaBuf D = Launch.floats(op, "dstats", dstats, 2L * batch * latent);
    CudaBuf DZ = dz == null ? null : Launch.floats(op, "dz", dz, (long) batch * latent);
    CudaBuf S = Launch.floats(op, "stats", stats, 2L * batch * latent), G = Launch.floats(op, "klGrad", klGrad, latent);
    KernelArgs a = KernelArgs.of().ptr(D.address()).ptr(DZ == null ? 0 : DZ.address()).ptr(S.address()).ptr(G.address())
        .i32(batch).i32(latent).i64(seed);
    Dim3 grid = Dim3.of(Launch.blocks((long) batch * latent, 256));
    if (rec != 0) dev.launch("reparam_backward_kernel2", grid, Dim3.of(256), a.ptr(rec));
    else dev.launch("reparam_backward_kernel1", grid, Dim3.of(256), a.i64(step).i32(sample ? 1 : 0));
  }
}
