package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;

/** Launcher for {@code kernels/data.cu}: batch assembly from a uint8 dataset kept on the device. */
public final class DataKernels {
  private final Device dev;

  public DataKernels(Device dev) {
    this.dev = dev;
  }

  /**
   * out (B,D) = data[rows[i]] as float, divided by 255 when {@code scale255}. data holds R rows of D
   * bytes, rows holds B int32 indices (each must be in [0, R): the kernel does not check them).
   */
  public void gather(Buf out, RawBuf data, RawBuf rows, int batch, int features, boolean scale255) {
    String op = "gather";
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "features", features);
    Launch.atMost(op, "batch", batch, 65535);
    CudaBuf O = Launch.floats(op, "out", out, (long) batch * features);
    Launch.bytes(op, "data", data, features);
    Launch.bytes(op, "rows", rows, 4L * batch);
    dev.launch("gather_forward_kernel1", Dim3.of(Launch.blocks(features, 256), batch), Dim3.of(256),
        KernelArgs.of().ptr(O.address()).ptr(data.address()).ptr(rows.address()).i32(batch).i32(features)
            .i32(scale255 ? 1 : 0));
  }

  /**
   * The batch of a resident step: out (B,D) = rows perm[rec[3] .. +B) of data, rec being a step
   * record's device address ({@link StepKernels}).
   */
  public void gatherStep(Buf out, RawBuf data, RawBuf perm, long rec, int batch, int features, ResidentData.Format format) {
    String op = "gather step";
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "features", features);
    Launch.atMost(op, "batch", batch, 65535);
    CudaBuf O = Launch.floats(op, "out", out, (long) batch * features);
    Launch.bytes(op, "data", data, format == ResidentData.Format.BITS ? (features + 7) / 8
        : format == ResidentData.Format.FLOATS ? 4L * features : features);
    Launch.bytes(op, "perm", perm, 4L * batch);
    dev.launch("gather_step_kernel1", Dim3.of(Launch.blocks(features, 256), batch), Dim3.of(256),
        KernelArgs.of().ptr(O.address()).ptr(data.address()).ptr(perm.address()).ptr(rec).i32(batch).i32(features)
            .i32(format.code()));
  }

  /**
   * out (B,D) = rows {@code rows[i]} of a 1-bit-per-value dataset ({@code bits}: bit e &amp; 7 of byte
   * e &gt;&gt; 3, e = row·D + j, as floats in {0, 1}) or of a float32 one. Row indices must be in range
   * (the kernels do not check them).
   */
  public void gatherRows(Buf out, RawBuf data, RawBuf rows, int batch, int features, boolean bits) {
    String op = bits ? "gather bits" : "gather floats";
    Launch.positive(op, "batch", batch);
    Launch.positive(op, "features", features);
    Launch.atMost(op, "batch", batch, 65535);
    CudaBuf O = Launch.floats(op, "out", out, (long) batch * features);
    Launch.bytes(op, "data", data, bits ? (features + 7) / 8 : 4L * features);
    Launch.bytes(op, "rows", rows, 4L * batch);
    dev.launch(bits ? "gather_bits_kernel1" : "gather_floats_kernel1", Dim3.of(Launch.blocks(features, 256), batch), Dim3.of(256),
        KernelArgs.of().ptr(O.address()).ptr(data.address()).ptr(rows.address()).i32(batch).i32(features));
  }

  /** perm (n) = the permutation of {@code io.github.betavae.data.Shuffle} for (seed, epoch), on the device. */
  public void shuffle(RawBuf perm, int n, long seed, long epoch) {
    dev.launch("shuffle_kernel1", Dim3.of(1), Dim3.of(1), shuffleArgs(perm, n, seed, epoch));
  }

  /**
   * {@link #shuffle} on the device's second stream, after the work queued so far: it runs beside
   * the training steps that follow (one thread on one SM); {@link Device#joinAside} before reading it.
   */
  public void shuffleAside(RawBuf perm, int n, long seed, long epoch) {
    dev.launchAside("shuffle_kernel1", Dim3.of(1), Dim3.of(1), shuffleArgs(perm, n, seed, epoch));
  }

  private static KernelArgs shuffleArgs(RawBuf perm, int n, long seed, long epoch) {
    String op = "shuffle";
    Launch.positive(op, "n", n);
    Launch.bytes(op, "perm", perm, 4L * n);
    return KernelArgs.of().ptr(perm.address()).i32(n).i64(seed).i64(epoch);
  }
}
