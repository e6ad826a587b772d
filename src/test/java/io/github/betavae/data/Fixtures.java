package io.github.betavae.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builders for small data files in every format the loaders read, written byte by byte in tests. */
final class Fixtures {
  private Fixtures() {}

  /** An .npy image, header version 1, padded as numpy pads it. */
  static byte[] npy(String descr, boolean fortran, String shape, byte[] payload) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': "
        + shape + ", }";
    StringBuilder h = new StringBuilder(dict);
    while ((10 + h.length() + 1) % 64 != 0) h.append(' ');
    h.append('\n');
    byte[] hb = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer b = ByteBuffer.allocate(10 + hb.length + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) hb.length).put(hb).put(payload);
    return b.array();
  }

  static byte[] f4(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) b.putFloat(x);
    return b.array();
  }

  static byte[] f8(double... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) b.putDouble(x);
    return b.array();
  }

  static byte[] i8(long... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) b.putLong(x);
    return b.array();
  }

  static byte[] i4(int... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) b.putInt(x);
    return b.array();
  }

  /** A zip written by java.util.zip: stored entries with sizes up front, deflated ones with descriptors. */
  static void zip(Path file, boolean deflate, Map<String, byte[]> entries) throws IOException {
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry ze = new ZipEntry(e.getKey());
        byte[] data = e.getValue();
        if (!deflate) {
          CRC32 crc = new CRC32();
          crc.update(data);
          ze.setMethod(ZipEntry.STORED);
          ze.setSize(data.length);
          ze.setCompressedSize(data.length);
          ze.setCrc(crc.getValue());
        }
        z.putNextEntry(ze);
        z.write(data);
        z.closeEntry();
      }
    }
  }

  /**
   * A zip built by hand: {@code method} 0 stores, 8 deflates, anything else is written as stored bytes
   * under that method number. With {@code zip64}, sizes and offsets go into zip64 extra fields and a
   * zip64 end record, as numpy writes entries over 2 GB. {@code comment} ends the archive.
   */
  static byte[] handZip(Map<String, byte[]> entries, int method, boolean zip64, String comment) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream central = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] data = e.getValue();
      CRC32 crc = new CRC32();
      crc.update(data);
      byte[] body = method == 8 ? deflate(data) : data;
      long offset = out.size();
      ByteBuffer local = le(30 + name.length + (zip64 ? 20 : 0));
      local.putInt(0x04034b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) 0).putShort((short) method)
          .putInt(0).putInt((int) crc.getValue())
          .putInt(zip64 ? -1 : body.length).putInt(zip64 ? -1 : data.length)
          .putShort((short) name.length).putShort((short) (zip64 ? 20 : 0)).put(name);
      if (zip64) local.putShort((short) 1).putShort((short) 16).putLong(data.length).putLong(body.length);
      out.writeBytes(local.array());
      out.writeBytes(body);
      ByteBuffer c = le(46 + name.length + (zip64 ? 28 : 0));
      c.putInt(0x02014b50).putShort((short) 45).putShort((short) (zip64 ? 45 : 20)).putShort((short) 0)
          .putShort((short) method).putInt(0).putInt((int) crc.getValue())
          .putInt(zip64 ? -1 : body.length).putInt(zip64 ? -1 : data.length)
          .putShort((short) name.length).putShort((short) (zip64 ? 28 : 0)).putShort((short) 0)
          .putShort((short) 0).putShort((short) 0).putInt(0).putInt(zip64 ? -1 : (int) offset).put(name);
      if (zip64) c.putShort((short) 1).putShort((short) 24).putLong(data.length).putLong(body.length).putLong(offset);
      central.writeBytes(c.array());
    }
    long cdOffset = out.size();
    out.writeBytes(central.toByteArray());
    long cdSize = central.size();
    if (zip64) {
      long z64 = out.size();
      ByteBuffer r = le(56);
      r.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
          .putLong(entries.size()).putLong(entries.size()).putLong(cdSize).putLong(cdOffset);
      out.writeBytes(r.array());
      ByteBuffer loc = le(20);
      loc.putInt(0x07064b50).putInt(0).putLong(z64).putInt(1);
      out.writeBytes(loc.array());
    }
    byte[] cm = comment.getBytes(StandardCharsets.UTF_8);
    ByteBuffer end = le(22 + cm.length);
    end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
        .putShort((short) (zip64 ? 0xFFFF : entries.size())).putShort((short) (zip64 ? 0xFFFF : entries.size()))
        .putInt(zip64 ? -1 : (int) cdSize).putInt(zip64 ? -1 : (int) cdOffset).putShort((short) cm.length).put(cm);
    out.writeBytes(end.array());
    return out.toByteArray();
  }

  /** An IDX file: 00 00 type ndim, big-endian dimensions, then the payload as given. */
  static byte[] idx(int type, int[] dims, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length).order(ByteOrder.BIG_ENDIAN);
    b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
    for (int d : dims) b.putInt(d);
    return b.put(payload).array();
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream g = new GZIPOutputStream(bytes)) {
      g.write(data);
    }
    return bytes.toByteArray();
  }

  static Path write(Path file, byte[] content) throws IOException {
    Files.write(file, content);
    return file;
  }

  /**
   * The entries of a file laid out like the original dSprites .npz, over a reduced factor grid {@code
   * sizes} (the original's is 1, 3, 6, 40, 32, 32): {@code imgs} (N, 64, 64) uint8 0/1, {@code
   * latents_values} (N, 6) float64, {@code latents_classes} (N, 6) int64, in the original's index order
   * (last factor fastest), and a {@code metadata} object array of bytes that are not a valid pickle.
   */
  static Map<String, byte[]> dSpritesLike(int[] sizes) {
    int n = 1;
    for (int s : sizes) n *= s;
    byte[] imgs = new byte[n * 4096];
    for (int i = 0; i < imgs.length; i++) imgs[i] = pixel(i / 4096, i % 4096);
    long[] classes = new long[n * 6];
    double[] values = new double[n * 6];
    for (int i = 0; i < n; i++) {
      int rest = i;
      for (int f = 5; f >= 0; f--) {
        int c = rest % sizes[f];
        rest /= sizes[f];
        classes[i * 6 + f] = c;
        values[i * 6 + f] = value(f, c);
      }
    }
    Map<String, byte[]> m = new java.util.LinkedHashMap<>();
    m.put("imgs.npy", npy("|u1", false, "(" + n + ", 64, 64)", imgs));
    m.put("latents_values.npy", npy("<f8", false, "(" + n + ", 6)", f8(values)));
    m.put("latents_classes.npy", npy("<i8", false, "(" + n + ", 6)", i8(classes)));
    // Protocol-2 opcode then garbage: reading it as a pickle would fail, so it must be skipped unread.
    m.put("metadata.npy", npy("|O", false, "()", new byte[] {(byte) 0x80, 2, (byte) 0xFF, 0x13, 0x37, '.'}));
    return m;
  }

  /** Pixel p of image i in {@link #dSpritesLike}: 0 or 1, a pattern that differs between images. */
  static byte pixel(int i, int p) {
    return (byte) ((i * 31 + p * 7) % 5 == 0 ? 1 : 0);
  }

  /** Value of class c of factor f as in dSprites' latents_values. */
  static double value(int f, int c) {
    switch (f) {
      case 0:
        return 1.0;
      case 1:
        return c + 1;
      case 2:
        return 0.5 + 0.1 * c;
      case 3:
        return c * 2 * Math.PI / 39;
      default:
        return c / 31.0;
    }
  }

  private static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    while (!d.finished()) out.write(buf, 0, d.deflate(buf));
    d.end();
    return out.toByteArray();
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
