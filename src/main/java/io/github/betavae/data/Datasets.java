package io.github.betavae.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Opening data files of any supported format, chosen by their first bytes rather than their name, and
 * the checks the likelihoods need before training.
 *
 * <table>
 *   <caption>Formats and how they are recognised</caption>
 *   <tr><th>First bytes</th><th>Format</th><th>Read by</th></tr>
 *   <tr><td>{@code 93 4E 55 4D 50 59} ({@code \x93NUMPY})</td><td>.npy</td><td>{@link NpyDataset}</td></tr>
 *   <tr><td>{@code 50 4B 03 04} ({@code PK..})</td><td>.npz (zip)</td><td>{@link Npz}</td></tr>
 *   <tr><td>{@code 00 00} type ndim</td><td>IDX (MNIST)</td><td>{@link Idx}</td></tr>
 *   <tr><td>{@code 1F 8B}</td><td>gzip of any of these</td><td>inflated to a temporary file, then
 *       recognised again</td></tr>
 *   <tr><td>printable text</td><td>CSV of numbers</td><td>{@link Csv}</td></tr>
 * </table>
 */
public final class Datasets {
  /** The accepted formats, in words, for help texts and messages. */
  public static final String FORMATS = ".npy, .npz, MNIST IDX or CSV of numbers, each plain or gzip-compressed";

  /** Samples scanned per block by the checks, in floats. */
  private static final int CHUNK_FLOATS = 1 << 16;

  private Datasets() {}

  /** File formats as recognised from content. */
  enum Format {
    NPY(".npy"), NPZ(".npz"), IDX("IDX"), CSV("CSV text"), GZIP("gzip");

    final String label;

    Format(String label) {
      this.label = label;
    }
  }

  /**
   * Opens {@code file} as a dataset, recognising its format from its content (see the table above).
   * Ground-truth factors come with it where the file has them (dSprites .npz, MNIST labels).
   *
   * @throws DataFormatException one line naming the file, what was expected and what was found: for a
   *     missing or empty file, a directory, an unrecognised format, or any problem inside the file
   */
  public static Dataset open(Path file) {
    return open(file, null);
  }

  /** As {@link #open(Path)}; with {@code want} non-null, the content must be that format (or its gzip). */
  static Dataset open(Path file, Format want) {
    Path fn = file.getFileName();
    String name = fn == null ? file.toString() : fn.toString();
    if (Files.isDirectory(file)) {
      throw new DataFormatException("cannot open " + file + ": it is a directory; expected a data file (" + FORMATS
          + ")");
    }
    if (!Files.exists(file)) throw new DataFormatException("cannot open " + file + ": no such file");
    byte[] head = head(file, name);
    if (head.length == 0) {
      throw new DataFormatException("cannot open " + name + ": the file is empty; expected " + FORMATS);
    }
    Format f = sniff(head);
    if (f != Format.GZIP) return openAs(file, file, name, f, want, head);
    Path tmp;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
      tmp = TempFiles.inflate(in, name);
    } catch (IOException e) {
      throw TempFiles.corrupt(name, e);
    }
    try {
      byte[] inner = head(tmp, name);
      if (inner.length == 0) {
        throw new DataFormatException("reading " + name + ": expected " + FORMATS + " inside the gzip but found "
            + "nothing");
      }
      Format g = sniff(inner);
      if (g == Format.GZIP) {
        throw new DataFormatException("reading " + name + ": expected one layer of gzip but found gzip inside gzip");
      }
      return openAs(tmp, file, name, g, want, inner);
    } finally {
      TempFiles.release(tmp);
    }
  }

  /** The format whose signature {@code head} starts with; null for binary data of no known format. */
  static Format sniff(byte[] head) {
    int n = head.length;
    if (n > 0 && (head[0] & 0xFF) == 0x93 && (n < 2 || head[1] == 'N')) return Format.NPY;
    if (n >= 2 && head[0] == 'P' && head[1] == 'K') return Format.NPZ;
    if (n >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) return Format.GZIP;
    if (n >= 2 && head[0] == 0 && head[1] == 0) return Format.IDX;
    for (byte b : head) {
      int c = b & 0xFF;
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F) return null;
    }
    return Format.CSV;
  }

  private static Dataset openAs(Path content, Path original, String name, Format f, Format want, byte[] head) {
    if (want != null && f != want) {
      throw new DataFormatException("reading " + name + ": expected " + want.label + " but found "
          + (f == null ? "bytes " + hex(head) : f.label + " content") + "; open it with Datasets.open to read any of "
          + FORMATS);
    }
    if (f == null) throw unrecognized(name, "bytes " + hex(head));
    switch (f) {
      case NPY:
        return NpyDataset.open(content, name, NpyArray.REGION_BYTES);
      case NPZ:
        return Npz.open(content, name, Npz.HEAP_LIMIT, NpyArray.REGION_BYTES);
      case IDX:
        return Idx.open(content, original, name, NpyArray.REGION_BYTES);
      default:
        if (want == Format.CSV) return Csv.read(content, name);
        try {
          return Csv.parse(content, name);
        } catch (Csv.ParseError e) {
          // Text with no row of numbers is more likely a wrong file than a broken CSV, unless its name
          // says it is one.
          boolean named = name.toLowerCase().replaceFirst("\\.gz$", "").endsWith(".csv");
          if (!e.afterData && !named) {
            throw unrecognized(name, "text that is not CSV of numbers (" + e.getMessage() + ")");
          }
          throw new DataFormatException("reading " + name + " as CSV: " + e.getMessage());
        }
    }
  }

  private static DataFormatException unrecognized(String name, String found) {
    return new DataFormatException("reading " + name + ": expected " + FORMATS + " but found " + found);
  }

  private static byte[] head(Path file, String name) {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(4096);
    } catch (IOException e) {
      throw new DataFormatException("cannot open " + name + ": " + e.getMessage(), e);
    }
  }

  private static String hex(byte[] head) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(8, head.length); i++) {
      s.append(i > 0 ? " " : "").append(String.format("%02x", head[i] & 0xFF));
    }
    return s.append(head.length > 8 ? " …" : "").toString();
  }

  /**
   * Checks that every value of {@code data} is finite, reading it once in blocks. Skipped where the
   * stored type cannot hold NaN or infinity (integer files, the built-in dSprites, CSV which is checked
   * as it is parsed).
   *
   * @throws DataFormatException naming the file and the first sample and feature holding NaN or ±∞
   */
  public static void checkFinite(Dataset data) {
    if (known(data) != Known.NOTHING) return;
    scan(data, false);
  }

  /**
   * Checks that every value of {@code data} lies in [0, 1], as the Bernoulli likelihood needs, reading
   * it once in blocks. Skipped where the type guarantees it (uint8 and bool files after the pixel
   * convention, the built-in dSprites).
   *
   * @throws DataFormatException naming the file and the first value outside [0, 1], and suggesting the
   *     Gaussian likelihood or rescaling
   */
  public static void checkUnitRange(Dataset data) {
    if (known(data) == Known.UNIT) return;
    scan(data, true);
  }

  private static void scan(Dataset data, boolean unit) {
    int n = data.size(), d = data.features();
    int rows = Math.max(1, CHUNK_FLOATS / Math.max(1, d));
    float[] buf = new float[rows * d];
    for (int start = 0; start < n; start += rows) {
      int m = Math.min(rows, n - start);
      for (int r = 0; r < m; r++) data.copy(start + r, buf, r * d);
      for (int j = 0; j < m * d; j++) {
        float v = buf[j];
        boolean bad = unit ? !(v >= 0f && v <= 1f) : !Float.isFinite(v);
        if (!bad) continue;
        int i = start + j / d, k = j % d;
        String where = " at sample " + i + ", feature " + k + inFile(data, i);
        if (unit) {
          throw new DataFormatException("checking " + nameOf(data) + " for the Bernoulli likelihood: expected values "
              + "in [0, 1] but found " + v + where + "; use --likelihood gaussian or rescale the data to [0, 1]");
        }
        throw new DataFormatException("checking " + nameOf(data) + ": expected finite values but found " + v + where);
      }
    }
  }

  /** What the stored type guarantees about values. */
  private enum Known { NOTHING, FINITE, UNIT }

  private static Known known(Dataset d) {
    if (d instanceof WithFactors w) return known(w.data());
    if (d instanceof Subset s) return known(s.base());
    if (d instanceof DSprites) return Known.UNIT;
    if (d instanceof Csv.Table) return Known.FINITE;
    if (d instanceof NpyDataset n) {
      Npy.DType t = n.header().dtype();
      if (t == Npy.DType.UINT8 || t == Npy.DType.BOOL) return Known.UNIT;
      if (t.isInteger()) return Known.FINITE;
    }
    return Known.NOTHING;
  }

  /** The file a dataset was read from, for messages; its description where it is not a file. */
  static String nameOf(Dataset d) {
    if (d instanceof WithFactors w) return nameOf(w.data());
    if (d instanceof Subset s) return nameOf(s.base());
    if (d instanceof NpyDataset n) return n.name();
    if (d instanceof Csv.Table t) return t.name();
    return d.describe();
  }

  /** For a view, where its sample {@code i} sits in the file. */
  private static String inFile(Dataset d, int i) {
    return d instanceof Subset s ? " (sample " + baseIndex(s, i) + " of the file)" : "";
  }

  private static int baseIndex(Subset s, int i) {
    int b = s.baseIndex(i);
    return s.base() instanceof Subset inner ? baseIndex(inner, b) : b;
  }
}
