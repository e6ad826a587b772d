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
}
