package io.github.betavae.backend.cuda;

import io.github.betavae.backend.DeviceUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/** Finds the binaries that the build put on the classpath (kernels/build.sh). */
final class NativeLibrary {
  static final String HOST_LIB = "/native/linux-x86_64/libbetavae_host.so";
  static final String FATBIN = "/kernels/betavae.fatbin";

  private static volatile String hostLoadError;
  private static volatile boolean hostLoaded;

  private NativeLibrary() {}

  /** True where the host kernel library is built for this platform. */
  static boolean platformSupported() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
  }

  /**
   * Loads libbetavae_host.so once: extracted from the jar (or class directory) into a temporary file,
   * since the dynamic loader cannot read inside a jar.
   */
  static synchronized void loadHost() {
    if (hostLoaded) return;
    if (hostLoadError != null) throw new DeviceUnavailableException(hostLoadError);
    try {
      if (!platformSupported()) {
        fail("the host kernel library is built for linux-x86_64 only, this is "
            + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
      }
      try (InputStream in = NativeLibrary.class.getResourceAsStream(HOST_LIB)) {
        if (in == null) fail("the jar has no host kernel library (" + HOST_LIB.substring(1) + "; built without g++)");
        Path tmp = Files.createTempFile("betavae_host", ".so");
        tmp.toFile().deleteOnExit();
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        System.load(tmp.toAbsolutePath().toString());
      }
      hostLoaded = true;
    } catch (IOException | LinkageError e) {
      fail("could not load the host kernel library: " + firstLine(e.getMessage()));
    }
  }

  private static void fail(String msg) {
    hostLoadError = msg;
    throw new DeviceUnavailableException(msg);
  }

  /** The fatbin bytes, or null when the jar was built without nvcc. */
  static byte[] fatbin() {
    try (InputStream in = NativeLibrary.class.getResourceAsStream(FATBIN)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new DeviceUnavailableException("could not read " + FATBIN.substring(1) + " from the jar: " + e.getMessage(), e);
    }
  }

  /** Whether a resource exists, without reading it. */
  static boolean has(String resource) {
    return NativeLibrary.class.getResource(resource) != null;
  }

  static String firstLine(String s) {
    if (s == null) return "(no message)";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
