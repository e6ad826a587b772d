package io.github.betavae.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * The entries of a zip archive (an {@code .npz}) read from its central directory, with where each
 * entry's bytes start in the file, so that stored entries can be memory-mapped in place. The central
 * directory rather than the local headers is authoritative: writers that stream (numpy on a pipe) leave
 * sizes out of local headers. Zip64 records and extra fields are followed, as numpy writes them for
 * entries over 2 GB (the dSprites images are 3 GB).
 */
final class Zip {
  static final int STORED = 0, DEFLATED = 8;

  private static final int EOCD = 0x06054b50, ZIP64_LOCATOR = 0x07064b50, ZIP64_EOCD = 0x06064b50;
  private static final int CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
  private static final long U32 = 0xFFFFFFFFL;

  private Zip() {}

  /** One entry: {@code dataOffset} is where its (stored or deflated) bytes start in the archive. */
  record Entry(String name, int method, long compressedSize, long size, long crc, long dataOffset) {}

  /** Lists the entries of the archive open on {@code ch}; {@code file} names it in messages. */
  static List<Entry> entries(FileChannel ch, String file) throws IOException {
    long fileSize = ch.size();
    // The end record is 22 bytes plus a comment of up to 65535; search backwards for its signature.
    int tailLen = (int) Math.min(fileSize, 22 + 65535);
    ByteBuffer tail = read(ch, fileSize - tailLen, tailLen, file, "the end of the archive");
    int at = -1;
    for (int p = tailLen - 22; p >= 0; p--) {
      if (tail.getInt(p) == EOCD && p + 22 + (tail.getShort(p + 20) & 0xFFFF) <= tailLen) {
        at = p;
        break;
      }
    }
    if (at < 0) {
      throw new DataFormatException("reading " + file + ": expected a zip end-of-central-directory record but found "
          + "none; the archive is truncated or damaged");
    }
    long eocd = fileSize - tailLen + at;
    long count = tail.getShort(at + 10) & 0xFFFF;
    long cdSize = tail.getInt(at + 12) & U32;
    long cdOffset = tail.getInt(at + 16) & U32;
    if (count == 0xFFFF || cdSize == U32 || cdOffset == U32) {
      ByteBuffer loc = read(ch, eocd - 20, 20, file, "the zip64 locator");
      if (loc.getInt(0) != ZIP64_LOCATOR) throw damaged(file, "a zip64 end-record locator");
      ByteBuffer z = read(ch, loc.getLong(8), 56, file, "the zip64 end record");
      if (z.getInt(0) != ZIP64_EOCD) throw damaged(file, "a zip64 end record");
      count = z.getLong(32);
      cdSize = z.getLong(40);
      cdOffset = z.getLong(48);
    }
    if (cdOffset + cdSize > fileSize || cdSize > Integer.MAX_VALUE) {
      throw new DataFormatException("reading " + file + ": expected a central directory of " + cdSize
          + " bytes at offset " + cdOffset + " but the archive has " + fileSize + " bytes; it is truncated");
    }
    ByteBuffer cd = read(ch, cdOffset, (int) cdSize, file, "the central directory");
    List<Entry> out = new ArrayList<>();
    int p = 0;
    for (long i = 0; i < count; i++) {
      if (p + 46 > cd.limit() || cd.getInt(p) != CENTRAL) throw damaged(file, "central directory entry " + i);
      int flags = cd.getShort(p + 8) & 0xFFFF;
      int method = cd.getShort(p + 10) & 0xFFFF;
      long crc = cd.getInt(p + 16) & U32;
      long csize = cd.getInt(p + 20) & U32;
      long size = cd.getInt(p + 24) & U32;
      int nameLen = cd.getShort(p + 28) & 0xFFFF;
      int extraLen = cd.getShort(p + 30) & 0xFFFF;
      int commentLen = cd.getShort(p + 32) & 0xFFFF;
      long local = cd.getInt(p + 42) & U32;
      if (p + 46 + nameLen + extraLen > cd.limit()) throw damaged(file, "central directory entry " + i);
      byte[] nb = new byte[nameLen];
      cd.get(p + 46, nb);
      String name = new String(nb, (flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
      // Zip64 extra field (id 1): 8-byte values for exactly those fields saturated in the record.
      for (int x = p + 46 + nameLen, end = x + extraLen; x + 4 <= end; ) {
        int id = cd.getShort(x) & 0xFFFF, len = cd.getShort(x + 2) & 0xFFFF;
        if (id == 1) {
          int v = x + 4, lim = x + 4 + len;
          if (size == U32 && v + 8 <= lim) {
            size = cd.getLong(v);
            v += 8;
          }
          if (csize == U32 && v + 8 <= lim) {
            csize = cd.getLong(v);
            v += 8;
          }
          if (local == U32 && v + 8 <= lim) local = cd.getLong(v);
        }
        x += 4 + len;
      }
      p += 46 + nameLen + extraLen + commentLen;
      if ((flags & 1) != 0) {
        throw new DataFormatException("reading " + name + " in " + file + ": expected an unencrypted entry but found "
            + "an encrypted one");
      }
      ByteBuffer lh = read(ch, local, 30, file, "the local header of " + name);
      if (lh.getInt(0) != LOCAL) throw damaged(file, "a local header for " + name + " at offset " + local);
      long data = local + 30 + (lh.getShort(26) & 0xFFFF) + (lh.getShort(28) & 0xFFFF);
      if (data + csize > fileSize) {
        throw new DataFormatException("reading " + name + " in " + file + ": archive is truncated, expected "
            + csize + " bytes of entry data but found " + Math.max(0, fileSize - data));
      }
      out.add(new Entry(name, method, csize, size, crc, data));
    }
    return out;
  }

  /**
   * The uncompressed bytes of {@code e}: a view of the file for a stored entry, an inflating stream for
   * a deflated one. Other methods are rejected naming the method.
   */
  static InputStream open(FileChannel ch, Entry e, String file) {
    if (e.method() == STORED) return new Slice(ch, e.dataOffset(), e.compressedSize(), false);
    if (e.method() == DEFLATED) {
      // A stream given its own Inflater leaves it open; end it on close so native memory goes at once.
      Inflater inflater = new Inflater(true);
      return new InflaterInputStream(new Slice(ch, e.dataOffset(), e.compressedSize(), true), inflater, 1 << 16) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            inflater.end();
          }
        }
      };
    }
    throw new DataFormatException("reading " + e.name() + " in " + file + ": expected a stored or deflated entry "
        + "but found compression method " + e.method());
  }

  private static ByteBuffer read(FileChannel ch, long pos, int len, String file, String what) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    if (pos < 0) throw damaged(file, what);
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) throw damaged(file, what);
    }
    return b.flip();
  }

  private static DataFormatException damaged(String file, String expected) {
    return new DataFormatException("reading " + file + ": expected " + expected + " but found other bytes; the "
        + "archive is truncated or damaged");
  }

  /**
   * Bytes [start, start + len) of a channel, read with absolute positions. With {@code pad}, one zero
   * byte follows the end: raw inflation may ask for input past the last deflate block, and zip readers
   * supply it.
   */
  private static final class Slice extends InputStream {
    private final FileChannel ch;
    private final long end;
    private long pos;
    private boolean padded;

    Slice(FileChannel ch, long start, long len, boolean pad) {
      this.ch = ch;
      this.pos = start;
      this.end = start + len;
      this.padded = !pad;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) return 0;
      if (pos >= end) {
        if (padded) return -1;
        padded = true;
        b[off] = 0;
        return 1;
      }
      int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
      if (n < 0) return -1;
      pos += n;
      return n;
    }
  }
}
