package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The two kernel binaries of one build hold the same kernels. */
class KernelBinariesTest {

  @Test
  void fatbinHoldsEveryKernelOfTheHostLibrary() {
    Emulator.assumeBuilt();
    byte[] fatbin = NativeLibrary.fatbin();
    assumeTrue(fatbin != null, "no fatbin in this build (needs nvcc)");
    // Kernel names are stored verbatim in the fatbin's ELF string tables.
    String text = new String(fatbin, StandardCharsets.ISO_8859_1);
    try (HostDevice dev = new HostDevice()) {
      int checked = 0;
      for (String k : dev.kernels().keySet()) {
        // Harness self-tests and the sanitizer tests' broken kernels are host-only by design.
        if (k.startsWith("selftest_") || k.startsWith("fault_")) continue;
        assertTrue(text.contains(k + "\0"), k + " is in the host library but not in " + NativeLibrary.FATBIN);
        checked++;
      }
      assertTrue(checked >= 15, "expected at least 15 kernels but the host library lists " + checked);
    }
  }
}
