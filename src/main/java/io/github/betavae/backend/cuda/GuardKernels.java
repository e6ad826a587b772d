package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;

/**
 * Launcher for {@code kernels/guard.cu}: the finiteness scan on the device, answered by one int, so
 * the numeric guard costs a launch and a 4-byte read instead of a copy of the whole gradient.
 */
public final class GuardKernels {
  private final Device dev;
  private long flag; // one int of device memory, allocated on first use and owned by the device

  public GuardKernels(Device dev) {
    this.dev = dev;
  }

  /** Whether every element of {@code b} is finite: zero the flag, scan, read the flag back (one sync). */
  public boolean allFinite(Buf b) {
    CudaBuf x = CudaBuf.of(b, "finite check");
    if (x.length() == 0) return true;
    if (flag == 0) flag = dev.alloc(4);
    dev.memsetD32(flag, 0, 1);
    int blocks = Math.min(Launch.blocks(x.length(), 256), Launch.MAX_GRID_X);
    dev.launch("finite_check_kernel1", Dim3.of(blocks), Dim3.of(256),
        KernelArgs.of().ptr(flag).ptr(x.address()).i64(x.length()));
    int[] out = new int[1];
    dev.copyOut(flag, out, 0, 1);
    return out[0] == 0;
  }
}
