package io.github.betavae.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
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
 * <p>Supported element types: {@code u1} (uint8), {@code b1} (bool, read as 0/1), {@code i1}, {@code
 * i2}, {@code i4}, {@code i8} (signed integers), {@code f4} and {@code f8}, little or big endian, in C
 * or Fortran order. Object arrays ({@code |O}) are recognised so that {@code .npz} readers can skip
 * them, but their contents (Python pickles) are never read. Structured dtypes and other types are
 * rejected with a {@link DataFormatException} naming the file and the type found.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  private Npy() {}

  /** Element types this reader understands. */
  public enum DType {
    UINT8(1), BOOL(1), INT8(1), INT16(2), INT32(4), INT64(8), FLOAT32(4), FLOAT64(8),
    /** Python objects, stored pickled: recognised in headers only, never read. */
    OBJECT(8);

    /** Bytes per element. */
    public final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }

    /** Whether elements are whole numbers (bool and the integer types). */
    public boolean isInteger() {
      return this != FLOAT32 && this != FLOAT64 && this != OBJECT;
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
    // The stream reads from the channel's position and is not closed: closing it would close ch.
    ch.position(0);
    return readHeader(Channels.newInputStream(ch), 0, ch.size(), name);
  }

  /**
   * Reads and checks a header from {@code in}, which holds an .npy image of {@code size} bytes (a file,
   * or an entry of an .npz); {@code base} is added to the data offset, so it is where the image starts
   * in whatever the caller maps. Leaves {@code in} at the first data byte.
   */
  static Header readHeader(InputStream in, long base, long size, String name) throws IOException {
    byte[] pre = in.readNBytes((int) Math.min(10, size));
    byte[] magic = Arrays.copyOf(pre, Math.min(6, pre.length));
    if (magic.length < MAGIC.length && Arrays.equals(magic, Arrays.copyOf(MAGIC, magic.length))) {
      throw truncated(name, "a 10-byte preamble", pre.length);
    }
    if (!Arrays.equals(magic, MAGIC)) {
      throw new DataFormatException("reading " + name + ": expected the .npy magic \\x93NUMPY but found "
          + printable(magic) + " (not a .npy file)");
    }
    if (pre.length < 10) throw truncated(name, "a 10-byte preamble", pre.length);
    int major = pre[6], minor = pre[7];
    long headerLen;
    int lenBytes;
    if (major == 1) {
      headerLen = (pre[8] & 0xFF) | (pre[9] & 0xFF) << 8;
      lenBytes = 2;
    } else if (major == 2 || major == 3) {
      byte[] rest = in.readNBytes(2);
      if (rest.length < 2) throw truncated(name, "a 12-byte preamble", 10 + rest.length);
      headerLen = ByteBuffer.wrap(new byte[] {pre[8], pre[9], rest[0], rest[1]}).order(ByteOrder.LITTLE_ENDIAN)
          .getInt() & 0xFFFFFFFFL;
      lenBytes = 4;
    } else {
      throw new DataFormatException("reading " + name + ": expected .npy format version 1.0, 2.0 or 3.0 but found "
          + major + "." + minor);
    }
    long dataOffset = 8 + lenBytes + headerLen;
    if (dataOffset > size || headerLen > Integer.MAX_VALUE) {
      throw truncated(name, "a header of " + headerLen + " bytes", size - 8 - lenBytes);
    }
    byte[] hb = in.readNBytes((int) headerLen);
    if (hb.length < headerLen) throw truncated(name, "a header of " + headerLen + " bytes", hb.length);
    String dict = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Header h = parseDict(dict.trim(), name, base + dataOffset);
    // Object arrays hold a pickle stream of its own length; nothing to check since it is never read.
    long need = h.count() * h.dtype().bytes;
    if (h.dtype() != DType.OBJECT && size - dataOffset < need) {
      throw truncated(name, need + " data bytes for shape " + h.shapeString() + " of " + h.dtype(), size - dataOffset);
    }
    return h;
  }

  /**
   * The whole array of {@code file} as floats in C order (last index fastest), values unchanged;
   * Fortran-order files are transposed as they are read.
   */
  public static float[] readFloats(Path file) {
    Header h = readHeader(file);
    String name = file.getFileName().toString();
    if (h.dtype() == DType.OBJECT) throw objectArray(name);
    if (h.count() > Integer.MAX_VALUE - 8) {
      throw new DataFormatException("reading " + name + " into memory: expected at most "
          + (Integer.MAX_VALUE - 8) + " elements but found " + h.count() + "; open it as a dataset instead");
    }
    int n = (int) h.count();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(n * h.dtype().bytes).order(h.order());
      readFully(ch, b, h.dataOffset(), name, "the data");
      float[] out = new float[n];
      for (int i = 0; i < n; i++) {
        long src = h.fortranOrder() ? fortranIndex(i, h.shape()) : i;
        out[i] = element(b, h.dtype(), src * h.dtype().bytes);
      }
      return out;
    } catch (IOException e) {
      throw new DataFormatException("reading " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Where the element at C-order position {@code c} (last index fastest) sits in Fortran order (first
   * index fastest) for an array of {@code shape}.
   */
  static long fortranIndex(long c, long[] shape) {
    long f = 0, stride = 1;
    long[] idx = new long[shape.length];
    for (int k = shape.length - 1; k >= 0; k--) {
      idx[k] = c % shape[k];
      c /= shape[k];
    }
    for (int k = 0; k < shape.length; k++) {
      f += idx[k] * stride;
      stride *= shape[k];
    }
    return f;
  }

  /** Element at byte position {@code pos} of {@code b} as a float (bytes as unsigned 0..255). */
  static float element(ByteBuffer b, DType t, long pos) {
    return t == DType.FLOAT32 ? b.getFloat((int) pos) : (float) elementAsDouble(b, t, (int) pos);
  }

  /** Element at byte position {@code pos} of {@code b} as a double; integers are exact up to 2⁵³. */
  static double elementAsDouble(ByteBuffer b, DType t, int p) {
    switch (t) {
      case UINT8:
      case BOOL:
        return b.get(p) & 0xFF;
      case INT8:
        return b.get(p);
      case INT16:
        return b.getShort(p);
      case INT32:
        return b.getInt(p);
      case INT64:
        return b.getLong(p);
      case FLOAT32:
        return b.getFloat(p);
      case FLOAT64:
        return b.getDouble(p);
      default:
        throw new IllegalStateException("no numeric value for " + t);
    }
  }

  /** Writes {@code data} as a little-endian float32 array of the given shape. */
  public static void writeFloat32(Path file, float[] data, int... shape) throws IOException {
    checkShape(file.getFileName().toString(), data.length, shape);
    try (OutputStream out = Files.newOutputStream(file)) {
      writeFloat32(out, file.getFileName().toString(), data, shape);
    }
  }

  /** Writes {@code data} as a uint8 array of the given shape. */
  public static void writeUint8(Path file, byte[] data, int... shape) throws IOException {
    checkShape(file.getFileName().toString(), data.length, shape);
    try (OutputStream out = Files.newOutputStream(file)) {
      write(out, "|u1", shape, data);
    }
  }

  /** Writes the .npy image of a little-endian float32 array to {@code out}; {@code name} is for errors. */
  public static void writeFloat32(OutputStream out, String name, float[] data, int... shape) throws IOException {
    checkShape(name, data.length, shape);
    ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(data);
    write(out, "<f4", shape, b.array());
  }

  /** Writes the .npy image of a little-endian int64 array to {@code out}; {@code name} is for errors. */
  public static void writeInt64(OutputStream out, String name, long[] data, int... shape) throws IOException {
    checkShape(name, data.length, shape);
    ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(data);
    write(out, "<i8", shape, b.array());
  }

  private static void write(OutputStream out, String descr, int[] shape, byte[] payload) throws IOException {
    StringBuilder s = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) s.append(i > 0 ? ", " : "").append(shape[i]);
    s.append(shape.length == 1 ? ",), }" : "), }");
    // numpy pads with spaces and ends with a newline so the data starts on a 64-byte boundary.
    int total = MAGIC.length + 2 + 2 + s.length() + 1;
    int pad = (64 - total % 64) % 64;
    s.append(" ".repeat(pad)).append('\n');
    byte[] header = s.toString().getBytes(StandardCharsets.ISO_8859_1);
    out.write(MAGIC);
    out.write(new byte[] {1, 0, (byte) header.length, (byte) (header.length >>> 8)});
    out.write(header);
    out.write(payload);
  }

  private static void checkShape(String file, int length, int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw new IllegalArgumentException("writing " + file + ": negative dimension " + d);
      n *= d;
    }
    if (n != length) {
      throw new IllegalArgumentException("writing " + file + ": expected " + n + " elements for shape "
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
            throw new DataFormatException("reading " + name + ": expected a plain dtype (uint8, bool, int, float32, "
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
          for (long dim : shape) {
            if (dim < 0) {
              throw new DataFormatException("reading " + name + ": expected dimensions ≥ 0 in the header's shape but found "
                  + body.substring(i, close + 1));
            }
          }
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
      case "i1":
        return DType.INT8;
      case "i2":
        return DType.INT16;
      case "i4":
        return DType.INT32;
      case "i8":
        return DType.INT64;
      case "O":
      case "O8":
        return DType.OBJECT;
      default:
        throw new DataFormatException("reading " + name + ": expected dtype uint8 (|u1), bool (|b1), int8…int64 "
            + "(<i1 … <i8), float32 (<f4) or float64 (<f8) but found '" + descr + "'");
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

  static DataFormatException objectArray(String name) {
    return new DataFormatException("reading " + name + ": expected a numeric array but found dtype object ('|O'), "
        + "which holds pickled Python objects and is never read");
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
