package io.github.betavae.bench.gpu;

import io.github.betavae.backend.DeviceUnavailableException;
import io.github.betavae.backend.cuda.CublasGemm;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.JCudaDevice;

/**
 * Opens GPU 0 for a benchmark, or fails it with one line. JMH prints a failed setup's exception
 * with its stack trace; {@link Unavailable} has none, so a machine without a GPU (or without
 * cuBLAS) gets one line per benchmark saying what is missing, and the run goes on to the next one.
 */
final class Gpu {
  private Gpu() {}

  /** A missing device or library: the message says everything, a stack trace would add nothing. */
  static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  /** The CUDA backend on GPU 0; prints the device once per fork. */
  static CudaBackend open() {
    JCudaDevice dev;
    try {
      dev = JCudaDevice.open(0);
    } catch (DeviceUnavailableException e) {
      throw new Unavailable("no GPU: " + e.getMessage());
    }
    System.out.println("device: " + dev.name());
    return new CudaBackend(dev, "cuda");
  }

  /**
   * The library's cuBLAS provider on {@code be}'s GPU (FP32, no TF32, queued on the backend's
   * stream); prints its version once per fork.
   */
  static CublasGemm cublas(CudaBackend be) {
    CublasGemm g;
    try {
      g = CublasGemm.open((JCudaDevice) be.device());
    } catch (DeviceUnavailableException e) {
      throw new Unavailable("cuBLAS anchor unavailable: " + e.getMessage());
    }
    System.out.println("cuBLAS " + g.version() + ", FP32 (CUBLAS_DEFAULT_MATH)");
    return g;
  }
}
