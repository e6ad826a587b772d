package io.github.betavae.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * MNIST's IDX files ({@code train-images-idx3-ubyte} and the like) as a dataset, with the digit labels
 * from the labels file beside it as a single factor.
 *
 * <p>An IDX file is the bytes 0, 0, an element type (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int,
 * 0x0D float, 0x0E double) and a dimension count, then each dimension as a big-endian int32, then the
 * elements, big-endian, in C order. Images (N, H, W) become samples of D = H·W features; (N, D) is also
 * accepted. Pixels follow the {@link NpyDataset} convention: ubyte data is divided by 255 unless it is
 * all 0 or 1. The file is memory-mapped.
 *
 * <p>Labels come from the file whose name has {@code images} → {@code labels} and {@code idx3} →
 * {@code idx1} (so {@code train-images-idx3-ubyte} ↔ {@code train-labels-idx1-ubyte}, {@code
 * t10k-images.idx3-ubyte} ↔ {@code t10k-labels.idx1-ubyte}), plain or with {@code .gz}. They become the
 * factor "label" with max(10, largest label + 1) classes. Without such a file the dataset has no
 * factors.
 */
public final class Idx {
  private Idx() {}

  /**
   * Opens an IDX images file, plain or gzip-compressed, with labels from beside it where present.
   *
   * @throws DataFormatException if either file is not valid IDX or the counts disagree
   */
  public static Dataset open(Path file) {
    return Datasets.open(file, Datasets.Format.IDX);
  }

  /**
   * Opens the IDX file {@code content}, which is {@code original} or what it inflated to; {@code
   * name} names it in messages, and labels are looked for beside {@code original}.
   */
  static Dataset open(Path content, Path original, String name, long regionBytes) {
    NpyDataset data;
    try (FileChannel ch = FileChannel.open(content, StandardOpenOption.READ)) {
      Npy.Header h = header(ch, name, false);
      if (h.shape().length == 1) {
        throw new DataFormatException("reading " + name + ": expected 3 dimensions (N, H, W) or 2 (N, D) but found "
            + "1; this looks like a labels file, open the images file and its labels are read from beside it");
      }
      if (h.shape().length > 3) {
        throw new DataFormatException("reading " + name + ": expected 3 dimensions (N, H, W) or 2 (N, D) but found "
            + h.shape().length);
      }
      data = NpyDataset.map(name, h, ch, h.dataOffset(), regionBytes);
    } catch (IOException e) {
      throw new DataFormatException("reading " + name + ": " + e.getMessage(), e);
    }
    Optional<Path> labels = labelsBeside(original);
    if (labels.isEmpty()) return data;
    int[] y = labels(labels.get(), data.size(), name);
    FactorTable f = FactorTable.of(List.of("label"), y.length, y, null, 10);
    return new WithFactors(data, f, data.describe() + "; labels from " + labels.get().getFileName() + " ("
        + f.sizes().get(0) + " classes)");
  }

  /** The labels file for the images file {@code images}, if one sits beside it. */
  static Optional<Path> labelsBeside(Path images) {
    String name = images.getFileName().toString();
    String base = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    String other = base.replace("images", "labels").replace("idx3", "idx1");
    if (other.equals(base)) return Optional.empty();
    for (String candidate : new String[] {other, other + ".gz"}) {
      Path p = images.resolveSibling(candidate);
      if (Files.isRegularFile(p)) return Optional.of(p);
    }
    return Optional.empty();
  }

  /** Reads a labels file (plain or .gz): ubyte, one dimension, {@code n} entries. */
  private static int[] labels(Path file, int n, String images) {
    String name = file.getFileName().toString();
    byte[] bytes;
    try (InputStream raw = Files.newInputStream(file)) {
      InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
      try {
        bytes = in.readAllBytes();
      } catch (IOException e) {
        throw TempFiles.corrupt(name, e);
      }
    } catch (IOException e) {
      throw new DataFormatException("reading " + name + ": " + e.getMessage(), e);
    }
    Npy.Header h = header(ByteBuffer.wrap(bytes), bytes.length, name, true);
    if (h.shape().length != 1) {
      throw new DataFormatException("reading " + name + ": expected 1 dimension (labels) but found "
          + h.shape().length);
    }
    if (h.dtype() != Npy.DType.UINT8) {
      throw new DataFormatException("reading " + name + ": expected ubyte labels (type 0x08) but found "
          + h.dtype().name().toLowerCase());
    }
    if (h.shape()[0] != n) {
      throw new DataFormatException("reading " + name + ": expected " + n + " labels, one per image in " + images
          + ", but found " + h.shape()[0]);
    }
    int[] y = new int[n];
    for (int i = 0; i < n; i++) y[i] = bytes[(int) h.dataOffset() + i] & 0xFF;
    return y;
  }

  private static Npy.Header header(FileChannel ch, String name, boolean labels) throws IOException {
    int len = (int) Math.min(ch.size(), 4 + 4 * 255);
    ByteBuffer b = ByteBuffer.allocate(len);
    while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
      // absolute reads until the buffer is full or the file ends
    }
    return header(b, ch.size(), name, labels);
  }

  /**
   * Parses an IDX header from the first bytes of a file of {@code size} bytes into the equivalent
   * big-endian C-order array header, checking that the file holds all elements.
   */
  private static Npy.Header header(ByteBuffer b, long size, String name, boolean labels) {
    b.order(ByteOrder.BIG_ENDIAN);
    if (size < 4 || b.get(0) != 0 || b.get(1) != 0 || type(b.get(2)) == null || b.get(3) < 1) {
      byte[] got = new byte[(int) Math.min(4, size)];
      b.get(0, got);
      StringBuilder s = new StringBuilder();
      for (byte x : got) s.append(s.length() > 0 ? " " : "").append(String.format("%02x", x & 0xFF));
      throw new DataFormatException("reading " + name + ": expected IDX magic 00 00, a type 08/09/0b/0c/0d/0e and "
          + "a dimension count" + (labels ? " (00 00 08 01 for labels)" : "") + " but found " + s);
    }
    Npy.DType t = type(b.get(2));
    int ndim = b.get(3) & 0xFF;
    long dataOffset = 4 + 4L * ndim;
    if (size < dataOffset) {
      throw new DataFormatException("reading " + name + ": file is truncated, expected " + dataOffset
          + " header bytes for " + ndim + " dimensions but found " + size);
    }
    long[] shape = new long[ndim];
    for (int k = 0; k < ndim; k++) shape[k] = b.getInt(4 + 4 * k) & 0xFFFFFFFFL;
    Npy.Header h = new Npy.Header(t, ByteOrder.BIG_ENDIAN, shape, false, dataOffset);
    long need = h.count() * t.bytes;
    if (size - dataOffset < need) {
      throw new DataFormatException("reading " + name + ": file is truncated, expected " + need + " data bytes for "
          + h.shapeString() + " but found " + (size - dataOffset));
    }
    return h;
  }

  private static Npy.DType type(byte code) {
    switch (code) {
      case 0x08:
        return Npy.DType.UINT8;
      case 0x09:
        return Npy.DType.INT8;
      case 0x0B:
        return Npy.DType.INT16;
      case 0x0C:
        return Npy.DType.INT32;
      case 0x0D:
        return Npy.DType.FLOAT32;
      case 0x0E:
        return Npy.DType.FLOAT64;
      default:
        return null;
    }
  }
}
