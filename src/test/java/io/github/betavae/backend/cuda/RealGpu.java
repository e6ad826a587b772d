package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.betavae.backend.DeviceUnavailableException;

/** Tests tagged gpu open GPU 0 through this, and skip, with the reason, where none answers. */
final class RealGpu {
  private RealGpu() {}

  /** A CUDA backend on GPU 0 (the caller closes it). */
  static CudaBackend backendOrSkip() {
    Device dev = null;
    String why = null;
    try {
      dev = JCudaDevice.open(0);
    } catch (DeviceUnavailableException e) {
      why = e.getMessage();
    }
    assumeTrue(dev != null, "no GPU: " + why);
    return new CudaBackend(dev, "cuda");
  }
}
