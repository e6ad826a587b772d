package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.betavae.backend.DeviceUnavailableException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole CUDA parity suite with the dense products on cuBLAS ({@code --gemm cublas}): every op
 * against the CPU reference within 1e-5, graph replay included (cuBLAS calls are captured on the
 * device's stream like our launches). Skipped, with the reason, where no GPU or no libcublas.so.12
 * answers.
 */
@Tag("gpu")
class CublasBackendGpuTest extends CudaBackendContract {
  @Override
  Device openDevice() {
    try {
      return JCudaDevice.open(0);
    } catch (DeviceUnavailableException e) {
      assumeTrue(false, "no GPU: " + e.getMessage());
      throw e;
    }
  }

  /** cuBLAS rounds its TF32 operands its own way (not necessarily as cvt.rna), so its products sit a little further off. */
  @Override
  double tf32Tolerance() {
    return 1e-3;
  }

  @Override
  CudaBackend openBackend() {
    String missing = CublasGemm.loadProblem();
    assumeTrue(missing == null, missing);
    JCudaDevice dev = (JCudaDevice) openDevice();
    try {
      return new CudaBackend(dev, "cuda-cublas", CublasGemm.open(dev));
    } catch (RuntimeException e) {
      dev.close();
      throw e;
    }
  }

  @Test
  void reportsCublasAsItsGemm() {
    assertTrue(gpu.gemm().startsWith("cuBLAS 12."), gpu.gemm());
  }
}
