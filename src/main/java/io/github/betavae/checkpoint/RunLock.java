package io.github.betavae.checkpoint;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The one writer of a run directory. {@code train} takes an exclusive lock on {@code DIR/.lock}
 * ({@link FileChannel#tryLock}) before it writes or repairs anything in the directory and holds it
 * until it ends; the operating system releases it when the process dies, however it dies, so a stale
 * lock never blocks a later run. A second writer gets one line naming the holder (pid, host, start
 * time), read from the lock file. Readers ({@code eval}, {@code sample}, {@code score}, …) take no
 * lock and change nothing; see {@link Checkpoint#load}.
 *
 * <p>The lock file is left in place when the lock is released: deleting it would let a writer that
 * opened the old file and one that creates a new one both believe they hold the lock.
 */
public final class RunLock implements AutoCloseable {
  /** The lock file's name inside a run directory. */
  public static final String FILE = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dir}, which must exist.
   *
   * @throws IllegalStateException naming the holder when another writer has it
   */
  public static RunLock acquire(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null; // this very process holds it through another channel
    } catch (IOException e) {
      ch.close();
      throw new IOException("cannot lock " + file + ": " + e.getMessage(), e);
    }
    if (l == null) {
      String holder = holder(ch);
      ch.close();
      throw new IllegalStateException(dir + " is being written by another run (" + holder
          + "); wait for it to end or choose another directory");
    }
    try {
      byte[] me = describeSelf().getBytes(StandardCharsets.UTF_8);
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(me), 0);
      ch.force(true);
    } catch (IOException e) {
      l.release();
      ch.close();
      throw e;
    }
    return new RunLock(ch, l);
  }

  /** Whether some process holds the lock of {@code dir} now (never takes it for more than a moment). */
  public static boolean isHeld(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) return false;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) return true;
      l.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true;
    }
  }

  private static String holder(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 4096));
      ch.read(b, 0);
      String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? "a process that has not yet said who it is" : s;
    } catch (IOException e) {
      return "holder unknown: " + e.getMessage();
    }
  }

  private static String describeSelf() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown host";
    }
    return "pid " + ProcessHandle.current().pid() + " on " + host + ", started "
        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n";
  }

  /** Releases the lock; idempotent. */
  @Override
  public void close() {
    try {
      if (lock.isValid()) lock.release();
      channel.close();
    } catch (IOException e) {
      // the OS releases the lock with the channel or the process in any case
    }
  }
}
