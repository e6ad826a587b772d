package io.github.betavae.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Temporary files that hold decompressed data (a gzip file, a large deflated .npz entry) so that it
 * can be memory-mapped instead of inflated into the heap. They live in {@code java.io.tmpdir}, named
 * {@code betavae-PID-….tmp}. A file is deleted as soon as it has been mapped or read: on Linux and
 * macOS a mapping outlives the file's name, so nothing is left behind. Every exit path is covered: a
 * file is registered for deletion when the JVM exits the moment it is created, which also runs on
 * SIGTERM and Ctrl-C (a stop in the middle of inflating a large file leaves nothing); and the files of
 * processes that no longer exist (killed with SIGKILL, which no hook survives) are removed the next
 * time one is created.
 */
final class TempFiles {
  private TempFiles() {}

  /**
   * Copies the rest of {@code in}, compressed data being inflated, to a new temporary file and returns
   * it. {@code what} names the data in messages; a read failure means the data is truncated or corrupt,
   * a write failure that the temporary directory is short of space.
   */
  static Path inflate(InputStream in, String what) {
    Path tmp;
    removeDeadLeftovers();
    try {
      tmp = Files.createTempFile(PREFIX + ProcessHandle.current().pid() + "-", ".tmp");
    } catch (IOException e) {
      throw tempFailure(what, e);
    }
    tmp.toFile().deleteOnExit();
    byte[] buf = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(tmp)) {
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (IOException e) {
          throw corrupt(what, e);
        }
        if (n < 0) return tmp;
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      release(tmp);
      throw tempFailure(what, e);
    } catch (RuntimeException e) {
      release(tmp);
      throw e;
    }
  }

  private static final String PREFIX = "betavae-";
  private static final java.util.regex.Pattern OURS = java.util.regex.Pattern.compile("betavae-(\\d+)-\\d+\\.tmp");

  /** Deletes the temporary files of processes that are gone; best effort, never fails the caller. */
  static void removeDeadLeftovers() {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        java.util.regex.Matcher m = OURS.matcher(p.getFileName().toString());
        if (!m.matches()) continue;
        long pid = Long.parseLong(m.group(1));
        if (pid != ProcessHandle.current().pid() && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException | RuntimeException e) {
      // a temporary directory we cannot list or clean is not a reason to refuse the data
    }
  }

  /** Deletes {@code tmp} now where the platform allows, else when the JVM exits. */
  static void release(Path tmp) {
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      tmp.toFile().deleteOnExit();
    }
  }

  /** Compressed data ended early or does not decode. */
  static DataFormatException corrupt(String what, IOException e) {
    return new DataFormatException("reading " + what + ": expected complete compressed data but found it truncated "
        + "or corrupt (" + e.getMessage() + ")", e);
  }

  private static DataFormatException tempFailure(String what, IOException e) {
    return new DataFormatException("inflating " + what + " into a temporary file: " + e.getMessage()
        + "; point java.io.tmpdir at a disk with room for it", e);
  }
}
