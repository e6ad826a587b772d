package io.github.betavae.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes files so that a reader sees either the old content or the complete new content, never a
 * torn file: the bytes go to a temporary file in the same directory, are forced to disk, and the
 * temporary file is then renamed over the target in one atomic step. A crash mid-write leaves the
 * previous checkpoint intact.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Something that writes a file's content to a stream. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** Atomically replaces {@code target} with what {@code writer} produces. */
  public static void write(Path target, Writer writer) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = prepare(dir, target, writer);
    boolean moved = false;
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
      syncDirectory(dir);
    } finally {
      if (!moved) Files.deleteIfExists(tmp);
    }
  }

  /**
   * Replaces a group of files in one directory that belong together (a checkpoint's weights,
   * optimizer state and config). Each file is replaced atomically, but no file system renames
   * several files at once, so the group is made recoverable instead:
   * <ol>
   *   <li>every new file is written and forced to disk under a temporary name;</li>
   *   <li>the current files get a second name, {@code .NAME.prev} (a hard link: no copy);</li>
   *   <li>the temporary files are renamed over the targets, in order, and the directory is forced;</li>
   *   <li>the {@code .prev} links are removed.</li>
   * </ol>
   * A kill before step 3 leaves the old group; after it, the new group; during it, a mix whose
   * old half is still complete under the {@code .prev} names, for {@link #restorePrevious}.
   */
  public static void writeGroup(Map<Path, Writer> files) throws IOException {
    if (files.isEmpty()) return;
    Path dir = files.keySet().iterator().next().toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Map<Path, Path> temps = new LinkedHashMap<>();
    try {
      for (Map.Entry<Path, Writer> e : files.entrySet()) {
        if (!e.getKey().toAbsolutePath().getParent().equals(dir)) {
          throw new IllegalArgumentException("write group: expected files in " + dir + " but found " + e.getKey());
        }
        temps.put(e.getKey(), prepare(dir, e.getKey(), e.getValue()));
      }
      boolean linked = true;
      for (Path target : files.keySet()) linked &= linkPrevious(target);
      if (linked) syncDirectory(dir);
      for (Map.Entry<Path, Path> e : temps.entrySet()) {
        Files.move(e.getValue(), e.getKey(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      temps.clear();
      syncDirectory(dir);
      for (Path target : files.keySet()) Files.deleteIfExists(previous(target));
    } finally {
      for (Path tmp : temps.values()) Files.deleteIfExists(tmp);
    }
  }

  /** The name under which {@link #writeGroup} keeps the file it is replacing. */
  public static Path previous(Path target) {
    return target.resolveSibling("." + target.getFileName() + ".prev");
  }

  /**
   * Puts back the group that {@link #writeGroup} was replacing when it was stopped: each target
   * whose {@code .prev} exists is atomically replaced by it, then the {@code .prev} names are removed.
   * Safe to repeat if stopped itself.
   *
   * @return false, changing nothing, when some target has no {@code .prev}
   */
  public static boolean restorePrevious(List<Path> targets) throws IOException {
    for (Path t : targets) if (!Files.isRegularFile(previous(t))) return false;
    Path dir = targets.get(0).toAbsolutePath().getParent();
    for (Path t : targets) {
      Path tmp = tempName(dir, t.getFileName().toString());
      Files.createLink(tmp, previous(t));
      Files.move(tmp, t, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(dir);
    for (Path t : targets) Files.deleteIfExists(previous(t));
    return true;
  }

  /**
   * Removes the temporary files that a writer stopped mid-way left in {@code dir} (names
   * {@code .NAME.PID-NANOS.tmp}): only this process's own and those of processes that no longer
   * exist, so a live writer's files are never touched. The targets themselves are never touched.
   */
  public static void removeLeftovers(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) return;
    java.util.regex.Pattern temp = java.util.regex.Pattern.compile("\\..+\\.(\\d+)-\\d+\\.tmp");
    long self = ProcessHandle.current().pid();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        java.util.regex.Matcher m = temp.matcher(p.getFileName().toString());
        if (!m.matches()) continue;
        long pid;
        try {
          pid = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
          continue;
        }
        boolean alive = pid != self && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (!alive) Files.deleteIfExists(p);
      }
    }
  }

  /** Gives {@code target}'s current content the name {@code .prev}; false if it cannot (no target, no links). */
  private static boolean linkPrevious(Path target) throws IOException {
    Path prev = previous(target);
    Files.deleteIfExists(prev);
    if (!Files.isRegularFile(target)) return false;
    try {
      Files.createLink(prev, target);
      return true;
    } catch (UnsupportedOperationException | IOException e) {
      // A file system without hard links: the group is then only as safe as each single file.
      return false;
    }
  }

  /** A temporary file beside {@code target} holding what {@code writer} produced, forced to disk. */
  private static Path prepare(Path dir, Path target, Writer writer) throws IOException {
    Path tmp = createTemp(dir, target.getFileName().toString());
    boolean ok = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        OutputStream out = Channels.newOutputStream(ch);
        writer.write(out);
        out.flush();
        ch.force(true);
      }
      ok = true;
      return tmp;
    } finally {
      if (!ok) Files.deleteIfExists(tmp);
    }
  }

  private static Path tempName(Path dir, String name) {
    return dir.resolve("." + name + "." + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".tmp");
  }

  /**
   * A new empty file beside the target. Same directory, because a rename across file systems would
   * not be atomic; not {@code Files.createTempFile}, whose owner-only permissions would carry over
   * to the checkpoint.
   */
  private static Path createTemp(Path dir, String name) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path tmp = tempName(dir, name);
      try {
        return Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 100) throw e;
      }
    }
  }

  /**
   * Refuses to read {@code file} when it exists but is not a regular file: opening a named pipe
   * blocks until someone writes to it, a device may never end. A missing file is left to the reader.
   */
  public static void requireRegular(Path file) throws IOException {
    java.nio.file.attribute.BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    if (a.isRegularFile()) return;
    String kind = a.isDirectory() ? "a directory" : "a special file (a named pipe, socket or device)";
    throw new IOException(file + ": expected a regular file but found " + kind);
  }

  /** Atomically replaces {@code target} with {@code bytes}. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /**
   * Makes the rename itself durable. Directories can be opened and forced on Linux and macOS; other
   * systems refuse, and there the rename is as durable as the platform allows.
   */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      // not supported on this platform; the data itself was already forced
    }
  }
}
