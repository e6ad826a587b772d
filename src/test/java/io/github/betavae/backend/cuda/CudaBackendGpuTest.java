package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.betavae.backend.DeviceUnavailableException;
import org.junit.jupiter.api.Tag;

/** The CUDA op parity suite on a real GPU; skipped, with the reason, where no GPU answers. */
@Tag("gpu")
class CudaBackendGpuTest extends CudaBackendContract {
  @Override
  Device openDevice() {
    try {
      return JCudaDevice.open(0);
    } catch (DeviceUnavailableException e) {
      assumeTrue(false, "no GPU: " + e.getMessage());
      throw e;
    }
  }
}
