package io.github.betavae.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts the command line in a child JVM, for tests that kill a process or need a second one. */
final class ChildJvm {
  private ChildJvm() {}

  /** {@code betavae ARGS} in a new JVM with a 256 MB heap, stdout and stderr into {@code log}. */
  static Process start(List<String> args, Path log) throws IOException {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", classPath(), Main.class.getName()));
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /**
   * The class path the child needs: the system class path, plus the URLs of the class loader that
   * loaded this class when a launcher (such as the JUnit console's {@code --class-path}) put the
   * project's classes there rather than on {@code java.class.path}.
   */
  static String classPath() {
    StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
    if (ChildJvm.class.getClassLoader() instanceof java.net.URLClassLoader u) {
      for (java.net.URL url : u.getURLs()) {
        try {
          cp.append(java.io.File.pathSeparator).append(Path.of(url.toURI()));
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
          // not a file: URL, so the child could not use it anyway
        }
      }
    }
    return cp.toString();
  }
}
