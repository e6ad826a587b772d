package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The info report's cuBLAS line: one line whether or not cuBLAS and a GPU are present. */
class DeviceInfoTest {

  @Test
  void cublasStatusIsOneLineEitherWay() {
    String s = DeviceInfo.cublasStatus();
    assertTrue(s.startsWith("available (cuBLAS ") || s.equals("unavailable: libcublas.so.12 not found on the loader path")
        || s.startsWith("loads, but cublasCreate failed: "), s);
    assertFalse(s.contains("\n"), s);
  }

  @Test
  void reportAgreesWithTheGemmFlag() {
    String cublasLine = DeviceInfo.report().lines().filter(l -> l.startsWith("cuBLAS: ")).findFirst().orElseThrow();
    if (CublasGemm.loadProblem() != null) {
      assertTrue(cublasLine.startsWith("cuBLAS: unavailable: libcublas.so.12 not found on the loader path;"), cublasLine);
    }
    assertTrue(cublasLine.contains("--gemm auto"), cublasLine);
  }

  @Test
  void jcudaVersionComesFromTheArtifact() {
    assertTrue(DeviceInfo.jcudaVersion().matches("\\d+\\.\\d+\\.\\d+"), DeviceInfo.jcudaVersion());
  }
}
