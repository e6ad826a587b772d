package io.github.betavae.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.backend.cuda.CublasGemm;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.Emulator;
import org.junit.jupiter.api.Test;

/** Device selection: names, fallbacks and the one-line reasons. */
class BackendsTest {

  @Test
  void cpuIsAlwaysAvailable() {
    Backends.Choice c = Backends.open("CPU", 2);
    try (Backend be = c.backend()) {
      assertEquals("cpu", be.name());
      assertEquals("cpu: pure Java, 2 threads, " + ((CpuBackend) be).gemmPath(), c.description());
    }
  }

  @Test
  void emulatorRunsTheCudaBackendOnTheCpu() {
    Emulator.assumeBuilt();
    Backends.Choice c = Backends.open("cuda-emu", 1);
    try (Backend be = c.backend()) {
      assertEquals("cuda-emu", be.name());
      Buf b = be.alloc(3);
      be.fill(b, 2.5f);
      float[] out = new float[3];
      be.read(b, out);
      assertEquals(2.5f, out[2]);
    }
    assertTrue(Backends.emulatorAvailable());
  }

  @Test
  void cudaEitherOpensOrSaysInOneLineWhatIsMissing() {
    try {
      Backends.Choice c = Backends.open("cuda", 1);
      try (Backend be = c.backend()) {
        assertEquals("cuda", be.name());
        assertTrue(c.description().startsWith("cuda: cuda:0 "), c.description());
      }
    } catch (DeviceUnavailableException e) {
      assertTrue(e.getMessage().startsWith("device cuda unavailable: "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
  }

  @Test
  void autoFallsBackToCpuWithTheReason() {
    boolean gpu;
    try {
      Backends.open("cuda", 1).backend().close();
      gpu = true;
    } catch (DeviceUnavailableException e) {
      gpu = false;
    }
    Backends.Choice c = Backends.open("auto", 3);
    try (Backend be = c.backend()) {
      if (gpu) {
        assertEquals("cuda", be.name());
      } else {
        assertEquals("cpu", be.name());
        assertTrue(c.description().startsWith("cpu: pure Java, 3 threads, " + ((CpuBackend) be).gemmPath() + " (no usable GPU: device cuda unavailable: "),
            c.description());
        assertFalse(c.description().contains("\n"), c.description());
      }
    }
  }

  @Test
  void gemmAutoAndKernelsRunOnEveryDevice() {
    try (Backend be = Backends.open("cpu", 1, "kernels").backend()) {
      assertEquals("cpu", be.name());
    }
    try (Backend be = Backends.open("cpu", 1, null).backend()) {
      assertEquals("cpu", be.name());
    }
    Emulator.assumeBuilt();
    for (String g : new String[] {"auto", "Kernels"}) {
      Backends.Choice c = Backends.open("cuda-emu", 1, g);
      try (Backend be = c.backend()) {
        assertEquals("cuda-emu", be.name());
        assertEquals("hand-written kernels", ((CudaBackend) be).gemm());
      }
    }
  }

  /** cpu and cuda-emu have no cuBLAS to call: --gemm cublas is refused there in one line. */
  @Test
  void gemmCublasIsRefusedWithoutAGpu() {
    for (String device : new String[] {"cpu", "cuda-emu"}) {
      DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, () -> Backends.open(device, 1, "cublas"));
      if (CublasGemm.loadProblem() != null) {
        assertEquals("--gemm cublas: cuBLAS is not available: libcublas.so.12 not found on the loader path", e.getMessage());
      } else {
        assertTrue(e.getMessage().startsWith("--gemm cublas: cuBLAS runs only on a CUDA GPU, but the device is " + device),
            e.getMessage());
      }
    }
  }

  @Test
  void gemmCublasOnAutoOrCudaEitherUsesCublasOrSaysWhyNot() {
    try {
      Backends.Choice c = Backends.open("auto", 1, "cublas");
      try (Backend be = c.backend()) {
        assertEquals("cuda", be.name());
        assertTrue(c.description().contains("; GEMMs: cuBLAS 12."), c.description());
      }
    } catch (DeviceUnavailableException e) {
      assertTrue(e.getMessage().startsWith("--gemm cublas: "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void unknownGemmIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("cpu", 1, "tf32"));
    assertEquals("unknown --gemm 'tf32': expected auto, kernels or cublas", e.getMessage());
  }

  @Test
  void unknownNamesAndBadThreadCountsAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("tpu", 1));
    assertEquals("unknown device 'tpu': expected auto, cpu, cuda, cuda:N or cuda-emu", e.getMessage());
    IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> Backends.open("cuda:x", 1));
    assertTrue(n.getMessage().contains("cuda:N"), n.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Backends.open("cpu", -1));
    try (Backend be = Backends.open("cpu", 0).backend()) {
      assertEquals("cpu", be.name());
    }
  }

  @Test
  void infoListsDevicesKernelsAndVersions() {
    String info = Backends.info();
    assertTrue(info.contains("cpu: pure Java, "), info);
    boolean emu = Backends.class.getResource("/native/linux-x86_64/libbetavae_host.so") != null;
    assertTrue(info.contains(emu ? "cuda-emu: available (" : "cuda-emu: unavailable: "), info);
    assertTrue(info.contains("JCuda: 12.6.0"), info);
    assertTrue(info.contains("CUDA driver: "), info);
    assertTrue(info.contains("cuBLAS: "), info);
    boolean fatbin = Backends.class.getResource("/kernels/betavae.fatbin") != null;
    assertTrue(info.contains(fatbin ? "kernels: kernels/betavae.fatbin (" : "kernels: none in the jar"), info);
  }
}
