package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Likelihood;

/** Launcher for {@code kernels/likelihood.cu}: per-sample loss and gradient in one pass. */
public final class LikelihoodKernels {
  private final Device dev;

  public LikelihoodKernels(Device dev) {
    this.dev = dev;
  }

  /** logits (B,D), x (B,D) → lossPerSample (B), dlogits (B,D) = scale·∂ℓ/∂logits unless null. */
  public void forward(Buf lossPerSample, Buf dlogits, Buf logits, Buf x, int batch, int features, Likelihood kind, float scale) {
    String op = "likelihood";
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "features", features);
    if (kind == null) throw new IllegalArgumentException(op + ": likelihood kind is null");
    CudaBuf L = Launch.floats(op, "lossPerSample", lossPerSample, batch);
    CudaBuf DL = dlogits == null ? null : Launch.floats(op, "dlogits", dlogits, (long) batch * features);
    CudaBuf LG = Launch.floats(op, "logits", logits, (long) batch * features), X = Launch.floats(op, "x", x, (long) batch * features);
    dev.launch("likelihood_forward_kernel1", Dim3.of(batch), Dim3.of(256),
        KernelArgs.of().ptr(L.address()).ptr(DL == null ? 0 : DL.address()).ptr(LG.address()).ptr(X.address())
            .i32(batch).i32(features).i32(kind.ordinal()).f32(scale));
  }
}
