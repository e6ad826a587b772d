package io.github.betavae.train;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.betavae.backend.DeviceUnavailableException;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.JCudaDevice;
import org.junit.jupiter.api.Tag;

/** {@link ResidentStepTest} on a real GPU; skipped, with the reason, where no GPU answers. */
@Tag("gpu")
class ResidentStepGpuTest extends ResidentStepTest {
  @Override
  CudaBackend cuda() {
    try {
      return new CudaBackend(JCudaDevice.open(0), "cuda");
    } catch (DeviceUnavailableException e) {
      assumeTrue(false, "no GPU: " + e.getMessage());
      throw e;
    }
  }
}
