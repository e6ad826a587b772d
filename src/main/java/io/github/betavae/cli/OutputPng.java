package io.github.betavae.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;

/** The rule for a command's {@code --out FILE.png}: a new file, or a PNG it replaces; never anything else. */
final class OutputPng {
  private static final byte[] MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private OutputPng() {}

  /** Refuses {@code out} when it exists and is not a regular PNG file, before any work is done. */
  static void checkReplaceable(Path out) throws IOException {
    if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) return;
    if (!Files.isRegularFile(out)) {
      throw new IllegalArgumentException("--out " + out + " exists and is not a regular file; expected a new file or a PNG to replace");
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(out)) {
      head = in.readNBytes(MAGIC.length);
    }
    if (!Arrays.equals(head, MAGIC)) {
      throw new IllegalArgumentException("--out " + out + " exists and is not a PNG; refusing to replace it (choose another name "
          + "or remove it)");
    }
  }
}
