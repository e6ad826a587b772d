package io.github.betavae.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NumPy {@code .npy} files: a minimal header reader (format versions 1.0, 2.0 and 3.0) and a writer for
 * float32 and uint8 arrays.
 *
 * <p>Supported element types: {@code u1} (uint8), {@code b1} (bool, read as 0/1), {@code f4} and
 * {@code f8}, little or big endian. Structured dtypes and other types are rejected with a {@link
 * DataFormatException} naming the file and the type found.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  private Npy() {}

  /** Element types this reader understands. */
  public enum DType {
    UINT8(1), BOOL(1), FLOAT32(4), FLOAT64(8);

    /** Bytes per element. */
    public final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }
  }

  /**
   * A parsed header. {@code dataOffset} is where the element data starts in the file; {@code order}
   * is the byte order of multi-byte elements.
   */
  public record Header(DType dtype, ByteOrder order, long[] shape, boolean fortranOrder, long dataOffset) {
    /** Number of elements, the product of the shape (1 for a scalar). */
    public long count() {
      long n = 1;
      for (long d : shape) n *= d;
      return n;
    }

    /** The shape as numpy prints it, e.g. {@code (10, 64, 64)}. */
    public String shapeString() {
      StringBuilder b = new StringBuilder("(");
      for (int i = 0; i < shape.length; i++) b.append(i > 0 ? ", " : "").append(shape[i]);
      return b.append(shape.length == 1 ? ",)" : ")").toString();
    }
  }

  /** Reads and checks the header of {@code file}, including that the file holds all the data. */
  public static Header readHeader(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return readHeader(ch, file.getFileName().toString());
    } catch (IOException e) {
      throw new DataFormatException("reading .npy header: cannot read " + file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  /** Reads and checks the header of an open file; {@code name} is used in error messages. */
  static Header readHeader(FileChannel ch, String name) throws IOException {
    long size = ch.size();
    ByteBuffer pre = ByteBuffer.allocate((int) Math.min(12, size)).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, pre, 0, name, "the preamble");
    byte[] magic = new byte[(int) Math.min(6, size)];
    pre.get(0, magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new DataFormatException("reading " + name + ": expected the .npy magic \\x93NUMPY but found "
          + printable(magic) + " (not a .npy file)");
    }
    if (size < 10) throw truncated(name, "a 10-byte preamble", size);
    int major = pre.get(6), minor = pre.get(7);
    long headerLen;
    int lenBytes;
    if (major == 1) {
      headerLen = pre.getShort(8) & 0xFFFF;
      lenBytes = 2;
    } else if (major == 2 || major == 3) {
      if (size < 12) throw truncated(name, "a 12-byte preamble", size);
      headerLen = pre.getInt(8) & 0xFFFFFFFFL;
      lenBytes = 4;
    } else {
      throw new DataFormatException("reading " + name + ": expected .npy format version 1.0, 2.0 or 3.0 but found "
          + major + "." + minor);
    }
    long dataOffset = 8 + lenBytes + headerLen;
    if (dataOffset > size || headerLen > Integer.MAX_VALUE) {
      throw truncated(name, "a header of " + headerLen + " bytes", size - 8 - lenBytes);
    }
    ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
    readFully(ch, hb, 8 + lenBytes, name, "the header");
    String dict = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Header h = parseDict(dict.trim(), name, dataOffset);
    long need = h.count() * h.dtype().bytes;
    if (size - dataOffset < need) {
      throw truncated(name, need + " data bytes for shape " + h.shapeString() + " of " + h.dtype(), size - dataOffset);
    }
    return h;
  }

  /** The whole array of {@code file} as floats in file (C) order, values unchanged. */
  public static float[] readFloats(Path file) {
    Header h = readHeader(file);
    if (h.fortranOrder()) throw fortran(file.getFileName().toString());
    if (h.count() > Integer.MAX_VALUE - 8) {
      throw new DataFormatException("reading " + file.getFileName() + " into memory: expected at most "
          + (Integer.MAX_VALUE - 8) + " elements but found " + h.count() + "; open it as a dataset instead");
    }
    int n = (int) h.count();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(n * h.dtype().bytes).order(h.order());
      readFully(ch, b, h.dataOffset(), file.getFileName().toString(), "the data");
      float[] out = new float[n];
      for (int i = 0; i < n; i++) out[i] = element(b, h.dtype(), (long) i * h.dtype().bytes);
      return out;
    } catch (IOException e) {
      throw new DataFormatException("reading " + file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  /** Element at byte position {@code pos} of {@code b} as a float (bytes as unsigned 0..255). */
  static float element(ByteBuffer b, DType t, long pos) {
    int p = (int) pos;
    switch (t) {
      case UINT8:
      case BOOL:
        return b.get(p) & 0xFF;
      case FLOAT32:
        return b.getFloat(p);
      default:
        return (float) b.getDouble(p);
    }
  }

  /** Writes {@code data} as a little-endian float32 array of the given shape. */
  public static void writeFloat32(Path file, float[] data, int... shape) throws IOException {
    checkShape(file, data.length, shape);
    ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(data);
    write(file, "<f4", shape, b.array());
  }

  /** Writes {@code data} as a uint8 array of the given shape. */
  public static void writeUint8(Path file, byte[] data, int... shape) throws IOException {
    checkShape(file, data.length, shape);
    write(file, "|u1", shape, data);
  }

  private static void write(Path file, String descr, int[] shape, byte[] payload) throws IOException {
    StringBuilder s = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) s.append(i > 0 ? ", " : "").append(shape[i]);
    s.append(shape.length == 1 ? ",), }" : "), }");
    // numpy pads with spaces and ends with a newline so the data starts on a 64-byte boundary.
    int total = MAGIC.length + 2 + 2 + s.length() + 1;
    int pad = (64 - total % 64) % 64;
    s.append(" ".repeat(pad)).append('\n');
    byte[] header = s.toString().getBytes(StandardCharsets.ISO_8859_1);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(MAGIC);
      out.write(new byte[] {1, 0, (byte) header.length, (byte) (header.length >>> 8)});
      out.write(header);
      out.write(payload);
    }
  }

  private static void checkShape(Path file, int length, int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw new IllegalArgumentException("writing " + file.getFileName() + ": negative dimension " + d);
      n *= d;
    }
    if (n != length) {
      throw new IllegalArgumentException("writing " + file.getFileName() + ": expected " + n + " elements for shape "
          + Arrays.toString(shape) + " but found " + length);
    }
  }

  /** Parses numpy's header dict, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}. */
  private static Header parseDict(String d, String name, long dataOffset) {
    String descr = null;
    Boolean fortran = null;
    long[] shape = null;
    if (!d.startsWith("{") || !d.endsWith("}")) throw badHeader(name, d);
    String body = d.substring(1, d.length() - 1);
    int i = 0;
    while (true) {
      i = skipSpaceAndCommas(body, i);
      if (i >= body.length()) break;
      int[] end = new int[1];
      String key = quoted(body, i, end, name, d);
      i = skipSpace(body, end[0]);
      if (i >= body.length() || body.charAt(i) != ':') throw badHeader(name, d);
      i = skipSpace(body, i + 1);
      switch (key) {
        case "descr":
          if (i < body.length() && body.charAt(i) == '[') {
            throw new DataFormatException("reading " + name + ": expected a plain dtype (uint8, bool, float32, "
                + "float64) but found a structured dtype");
          }
          descr = quoted(body, i, end, name, d);
          i = end[0];
          break;
        case "fortran_order":
          if (body.startsWith("True", i)) {
            fortran = true;
            i += 4;
          } else if (body.startsWith("False", i)) {
            fortran = false;
            i += 5;
          } else {
            throw badHeader(name, d);
          }
          break;
        case "shape": {
          int close = body.indexOf(')', i);
          if (body.charAt(i) != '(' || close < 0) throw badHeader(name, d);
          List<Long> dims = new ArrayList<>();
          for (String t : body.substring(i + 1, close).split(",")) {
            String s = t.trim();
            if (s.isEmpty()) continue;
            try {
              dims.add(Long.parseLong(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
            } catch (NumberFormatException e) {
              throw badHeader(name, d);
            }
          }
          shape = dims.stream().mapToLong(Long::longValue).toArray();
          i = close + 1;
          break;
        }
        default:
          throw badHeader(name, d);
      }
    }
    if (descr == null || fortran == null || shape == null) throw badHeader(name, d);
    return new Header(dtype(descr, name), order(descr), shape, fortran, dataOffset);
  }

  private static DType dtype(String descr, String name) {
    String t = descr.length() > 1 && "<>|=".indexOf(descr.charAt(0)) >= 0 ? descr.substring(1) : descr;
    switch (t) {
      case "u1":
        return DType.UINT8;
      case "b1":
        return DType.BOOL;
      case "f4":
        return DType.FLOAT32;
      case "f8":
        return DType.FLOAT64;
      default:
        throw new DataFormatException("reading " + name + ": expected dtype uint8 (|u1), bool (|b1), float32 (<f4) "
            + "or float64 (<f8) but found '" + descr + "'");
    }
  }

  private static ByteOrder order(String descr) {
    return descr.startsWith(">") ? ByteOrder.BIG_ENDIAN
        : descr.startsWith("=") ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
  }

  private static String quoted(String s, int i, int[] end, String name, String d) {
    if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) throw badHeader(name, d);
    int close = s.indexOf(s.charAt(i), i + 1);
    if (close < 0) throw badHeader(name, d);
    end[0] = close + 1;
    return s.substring(i + 1, close);
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    return i;
  }

  private static int skipSpaceAndCommas(String s, int i) {
    while (i < s.length() && (Character.isWhitespace(s.charAt(i)) || s.charAt(i) == ',')) i++;
    return i;
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos, String name, String what) throws IOException {
    long start = pos;
    while (b.hasRemaining()) {
      int r = ch.read(b, pos);
      if (r < 0) throw truncated(name, b.capacity() + " bytes for " + what, pos - start);
      pos += r;
    }
  }

  static DataFormatException fortran(String name) {
    return new DataFormatException("reading " + name + ": expected a C-order array but found fortran_order True; "
        + "save it with numpy.ascontiguousarray");
  }

  private static DataFormatException truncated(String name, String expected, long found) {
    return new DataFormatException("reading " + name + ": file is truncated, expected " + expected
        + " but found " + Math.max(found, 0) + " bytes");
  }

  private static DataFormatException badHeader(String name, String dict) {
    String shown = dict.length() > 120 ? dict.substring(0, 120) + "…" : dict;
    return new DataFormatException("reading " + name + ": expected a header dict with 'descr', 'fortran_order' "
        + "and 'shape' but found " + shown);
  }

  private static String printable(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      int c = x & 0xFF;
      s.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
    }
    return s.toString();
  }
}
