package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;

/** Launcher for {@code kernels/adam.cu}: one fused Adam/AdamW update over a flat buffer. */
public final class AdamKernels {
  private final Device dev;

  public AdamKernels(Device dev) {
    this.dev = dev;
  }

  /** See {@link io.github.betavae.backend.Backend#adamStep}. */
  public void step(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2, float eps,
                   float weightDecay, float bc1, float bc2) {
    dev.launch("adam_step_kernel1", grid(n), Dim3.of(256),
        args(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay).f32(bc1).f32(bc2));
  }

  /**
   * The resident step's update ({@code adam_step_kernel2}): t from the step record at {@code rec},
   * bias corrections from the double β's, nothing applied for a flagged step.
   */
  void step(Buf p, Buf g, Buf m, Buf v, long n, float lr, double beta1, double beta2, float eps, float weightDecay, long rec) {
    dev.launch("adam_step_kernel2", grid(n), Dim3.of(256),
        args(p, g, m, v, n, lr, (float) beta1, (float) beta2, eps, weightDecay).f64(beta1).f64(beta2).ptr(rec));
  }

  /** One thread for every four parameters (the kernel's 128-bit path), grid-stride beyond the grid's limit. */
  private static Dim3 grid(long n) {
    return Dim3.of(Math.min(Launch.blocks(n, 1024), Launch.MAX_GRID_X));
  }

  private static KernelArgs args(Buf p, Buf g, Buf m, Buf v, long n, float lr, float beta1, float beta2, float eps, float wd) {
    String op = "adam step";
    Launch.positive(op, "n", n);
    CudaBuf P = Launch.floats(op, "p", p, n), G = Launch.floats(op, "g", g, n);
    CudaBuf M = Launch.floats(op, "m", m, n), V = Launch.floats(op, "v", v, n);
    return KernelArgs.of().ptr(P.address()).ptr(G.address()).ptr(M.address()).ptr(V.address()).i64(n)
        .f32(lr).f32(beta1).f32(beta2).f32(eps).f32(wd);
  }
}
