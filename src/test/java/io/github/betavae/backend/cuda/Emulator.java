package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests that need the host kernel library skip, with the reason, where the build could not make it
 * (no g++, or not linux-x86_64). CI never skips: kernels/build.sh fails there when g++ is missing.
 */
public final class Emulator {
  private Emulator() {}

  public static void assumeBuilt() {
    assumeTrue(NativeLibrary.platformSupported() && NativeLibrary.has(NativeLibrary.HOST_LIB),
        "no host kernel library in this build (needs g++ on linux-x86_64)");
  }
}
