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
    // Opened first, cold: the time is what every benchmark fork pays before its setup.
    long t0 = System.nanoTime();
    String line;
    boolean gpu;
    try (JCudaDevice d = JCudaDevice.open(0)) {
      line = String.format("probe: GPU 0 opens in %.2f s (driver, context, kernels): %s", (System.nanoTime() - t0) / 1e9, d.name());
      gpu = true;
    } catch (DeviceUnavailableException e) {
      line = "probe: no GPU: " + e.getMessage();
      gpu = false;
    }
    System.out.print(Backends.info());
    System.out.println(line);
    if (!gpu) System.exit(3);
  }
}
