package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;

/** Launchers for {@code kernels/rng.cu}: raw Philox draws with the project's counter layout. */
public final class RngKernels {
  private final Device dev;

  public RngKernels(Device dev) {
    this.dev = dev;
  }

  /** out (n uint32) = word e % 4 of Philox block (seed; quad e/4, step, stream, 0). */
  public void uint32(RawBuf out, long n, long seed, long step, int stream) {
    String op = "philox uint32";
    Launch.positive(op, "n", n);
    Launch.bytes(op, "out", out, 4 * n);
    dev.launch("philox_uint32_kernel1", Dim3.of(Launch.blocks(n, 256)), Dim3.of(256),
        KernelArgs.of().ptr(out.address()).i64(n).i64(seed).i64(step).i32(stream));
  }

  /** out (n floats) = standard normals, Box–Muller on each quad's pairs. */
  public void normal(Buf out, long n, long seed, long step, int stream) {
    String op = "philox normal";
    Launch.positive(op, "n", n);
    CudaBuf O = Launch.floats(op, "out", out, n);
    dev.launch("philox_normal_kernel1", Dim3.of(Launch.blocks(n, 256)), Dim3.of(256),
        KernelArgs.of().ptr(O.address()).i64(n).i64(seed).i64(step).i32(stream));
  }
}
