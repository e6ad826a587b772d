package io.github.betavae.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Comma-separated numbers as a dataset: one sample per line, every line the same number of values,
 * read into memory as floats.
 *
 * <p>The first line is a header, and skipped, when none of its fields is a number (so a first line
 * such as {@code 1,2,x} is reported as a bad value rather than silently dropped). Fields may have
 * spaces around them; lines may end in CRLF; blank lines at the end are ignored. Anything else is an
 * error naming the line and column: a blank line between rows, a row of another length, a field that
 * is not a decimal number, or NaN, infinity or a value beyond float range.
 */
public final class Csv {
  private Csv() {}

  /** An error at a place in the text; the caller decides how to word it for the file. */
  static final class ParseError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Whether at least one row of numbers was read before the error: the file is surely CSV. */
    final boolean afterData;

    ParseError(String message, boolean afterData) {
      super(message, null, false, false);
      this.afterData = afterData;
    }
  }

  /**
   * Reads {@code file} as CSV.
   *
   * @throws DataFormatException naming the file, line and column of the first problem
   */
  public static Dataset open(Path file) {
    return Datasets.open(file, Datasets.Format.CSV);
  }

  /** Reads {@code content}, naming it {@code name} in messages and the description. */
  static Table read(Path content, String name) {
    try {
      return parse(content, name);
    } catch (ParseError e) {
      throw new DataFormatException("reading " + name + " as CSV: " + e.getMessage());
    }
  }

  /** As {@link #read}, but a {@link ParseError} escapes so the caller can word it. */
  static Table parse(Path content, String name) {
    // A decoder that replaces bad bytes, so that a stray byte is reported as a bad field at its line.
    try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(content),
        StandardCharsets.UTF_8), 1 << 16)) {
      float[] data = new float[1024];
      int rows = 0, d = -1, lineNo = 0, blankAt = -1;
      String header = null;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lineNo++;
        if (lineNo == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
        if (line.isBlank()) {
          if (blankAt < 0) blankAt = lineNo;
          continue;
        }
        if (blankAt >= 0) {
          throw new ParseError("line " + blankAt + ": expected a row of numbers but found an empty line", rows > 0);
        }
        String[] fields = line.split(",", -1);
        if (lineNo == 1 && Arrays.stream(fields).noneMatch(Csv::isNumber)) {
          header = line;
          d = fields.length;
          continue;
        }
        if (d >= 0 && fields.length != d) {
          int previous = header != null && rows == 0 ? 1 : lineNo - 1;
          throw new ParseError("line " + lineNo + ": expected " + d + " values as on line " + previous + " but found "
              + fields.length, rows > 0);
        }
        d = fields.length;
        if ((long) (rows + 1) * d > Integer.MAX_VALUE - 8) {
          throw new ParseError("line " + lineNo + ": expected at most 2³¹ values in all but found more; convert the "
              + "data to .npy, which is read without loading it", true);
        }
        if (data.length < (rows + 1) * d) data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 8,
            Math.max((long) (rows + 1) * d, 2L * data.length)));
        for (int k = 0; k < d; k++) data[rows * d + k] = value(fields[k], lineNo, k + 1, rows > 0);
        rows++;
      }
      if (rows == 0) {
        throw new ParseError("expected at least one row of numbers but found " + (header != null ? "only a header"
            : "none"), false);
      }
      return new Table(name, Arrays.copyOf(data, rows * d), rows, d, header != null);
    } catch (IOException e) {
      throw new ParseError(e.getMessage(), false);
    }
  }

  private static float value(String field, int line, int column, boolean afterData) {
    String s = field.strip();
    if (!isNumber(s)) {
      String lower = s.toLowerCase();
      boolean special = List.of("nan", "inf", "infinity").contains(lower.replaceFirst("^[+-]", ""));
      throw new ParseError("line " + line + ", column " + column + ": expected a " + (special ? "finite " : "")
          + "number but found '" + shorten(s) + "'", afterData);
    }
    float v = (float) Double.parseDouble(s);
    if (Float.isInfinite(v)) {
      throw new ParseError("line " + line + ", column " + column + ": expected a number within float range but found '"
          + shorten(s) + "'", afterData);
    }
    return v;
  }

  /** A decimal number: [+-] digits [. digits] [e [+-] digits], with at least one digit before the exponent. */
  static boolean isNumber(String field) {
    String s = field.strip();
    int i = 0, n = s.length();
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
    int digits = 0;
    while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
        digits++;
      }
    }
    if (digits == 0) return false;
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
      int exp = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
        exp++;
      }
      if (exp == 0) return false;
    }
    return i == n;
  }

  private static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  /** Samples held in memory as floats, row-major. */
  static final class Table implements Dataset {
    private final String name;
    private final float[] data;
    private final int size, features;
    private final boolean header;

    Table(String name, float[] data, int size, int features, boolean header) {
      this.name = name;
      this.data = data;
      this.size = size;
      this.features = features;
      this.header = header;
    }

    String name() {
      return name;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public int features() {
      return features;
    }

    @Override
    public void copy(int index, float[] dst, int off) {
      if (index < 0 || index >= size) {
        throw new IndexOutOfBoundsException("reading " + name + ": expected sample index in [0, " + size
            + ") but found " + index);
      }
      System.arraycopy(data, index * features, dst, off, features);
    }

    @Override
    public String describe() {
      return name + " (CSV" + (header ? " with header" : "") + ", float as is), " + size + " × " + features;
    }
  }
}
