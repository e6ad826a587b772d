package io.github.betavae.bench.gpu;

import io.github.betavae.backend.Backends;
import io.github.betavae.backend.DeviceUnavailableException;
import io.github.betavae.backend.cuda.JCudaDevice;

/**
 * Prints what the CUDA side can do on this machine ({@link Backends#info()}: GPUs, kernels in the
 * jar, driver and JCuda versions, whether cuBLAS loads) and exits 0 when GPU 0 opens, 3 when it
 * does not. {@code gpu-kit.sh} runs it first and skips the GPU-only steps on a machine without one.
 */
public final class GpuProbe {
  private GpuProbe() {}

  public static void main(String[] args) {
    System.out.print(Backends.info());
    try (JCudaDevice d = JCudaDevice.open(0)) {
      System.out.println("probe: GPU 0 opens: " + d.name());
    } catch (DeviceUnavailableException e) {
      System.out.println("probe: no GPU: " + e.getMessage());
      System.exit(3);
    }
  }
}
