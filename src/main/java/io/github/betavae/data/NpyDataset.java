package io.github.betavae.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A dataset read from a {@code .npy} file, memory-mapped so that files larger than the heap (the
 * 3 GB uint8 dSprites images) are read sample by sample.
 *
 * <p>Accepted shapes: (N, D); (N, H, W), flattened to D = H·W; (N, H, W, 1). Element types as {@link
 * Npy} reads them. Pixel convention (DESIGN §8): uint8 data whose values are all 0 or 1 is used as is
 * (dSprites {@code imgs} is stored so); other uint8 data is divided by 255; bool, float32 and float64
 * data is used as is. Deciding the uint8 case reads the file once when it is opened.
 */
public final class NpyDataset implements Dataset {
  /** Largest mapped region; whole samples per region, so no sample straddles two. */
  private static final long REGION_BYTES = 1L << 30;

  private final String name;
  private final Npy.Header header;
  private final int size;
  private final int features;
  private final float scale;
  private final int rowsPerRegion;
  private final MappedByteBuffer[] regions;

  private NpyDataset(String name, Npy.Header header, int size, int features, MappedByteBuffer[] regions,
      int rowsPerRegion) {
    this.name = name;
    this.header = header;
    this.size = size;
    this.features = features;
    this.regions = regions;
    this.rowsPerRegion = rowsPerRegion;
    this.scale = header.dtype() == Npy.DType.UINT8 && !allZeroOrOne() ? 1f / 255f : 1f;
  }

  /**
   * Opens {@code file} as a dataset of N samples.
   *
   * @throws DataFormatException if the file is not a readable .npy of an accepted shape and type
   */
  public static NpyDataset open(Path file) {
    return open(file, REGION_BYTES);
  }

  /** As {@link #open(Path)} with mapped regions of at most {@code regionBytes} (tests use small ones). */
  static NpyDataset open(Path file, long regionBytes) {
    String name = file.getFileName().toString();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Npy.Header h = Npy.readHeader(ch, name);
      if (h.fortranOrder()) throw Npy.fortran(name);
      long[] s = h.shape();
      long d;
      if (s.length == 2) {
        d = s[1];
      } else if (s.length == 3) {
        d = s[1] * s[2];
      } else if (s.length == 4 && s[3] == 1) {
        d = s[1] * s[2];
      } else {
        throw new DataFormatException("opening " + name + " as a dataset: expected shape (N, D), (N, H, W) or "
            + "(N, H, W, 1) but found " + h.shapeString());
      }
      if (s[0] > Integer.MAX_VALUE || d > Integer.MAX_VALUE / h.dtype().bytes || d == 0) {
        throw new DataFormatException("opening " + name + " as a dataset: expected D ≥ 1, N and D·itemsize below 2³¹ "
            + "but found shape " + h.shapeString());
      }
      int n = (int) s[0];
      long rowBytes = d * h.dtype().bytes;
      int rowsPerRegion = (int) Math.max(1, Math.min(REGION_BYTES, regionBytes) / rowBytes);
      int count = (int) ((n + (long) rowsPerRegion - 1) / rowsPerRegion);
      MappedByteBuffer[] regions = new MappedByteBuffer[count];
      for (int r = 0; r < count; r++) {
        long first = (long) r * rowsPerRegion;
        long rows = Math.min(rowsPerRegion, n - first);
        regions[r] = ch.map(FileChannel.MapMode.READ_ONLY, h.dataOffset() + first * rowBytes, rows * rowBytes);
        regions[r].order(h.order());
      }
      return new NpyDataset(name, h, n, (int) d, regions, rowsPerRegion);
    } catch (IOException e) {
      throw new DataFormatException("opening " + name + ": " + e.getMessage(), e);
    }
  }

  /** The file's header (shape, element type). */
  public Npy.Header header() {
    return header;
  }

  /** The factor applied to stored values: 1 or 1/255. */
  public float scale() {
    return scale;
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
    // Absolute reads only: the buffers are shared by concurrent readers and never change position.
    ByteBuffer b = regions[index / rowsPerRegion];
    int bytes = header.dtype().bytes;
    int pos = (index % rowsPerRegion) * features * bytes;
    switch (header.dtype()) {
      case UINT8:
      case BOOL:
        for (int k = 0; k < features; k++) dst[off + k] = (b.get(pos + k) & 0xFF) * scale;
        break;
      case FLOAT32:
        for (int k = 0; k < features; k++) dst[off + k] = b.getFloat(pos + 4 * k);
        break;
      default:
        for (int k = 0; k < features; k++) dst[off + k] = (float) b.getDouble(pos + 8 * k);
    }
  }

  @Override
  public String describe() {
    String how = header.dtype() == Npy.DType.UINT8
        ? (scale == 1f ? "uint8 0/1 used as is" : "uint8 / 255")
        : header.dtype().name().toLowerCase() + " as is";
    return name + " " + header.shapeString() + " (" + how + "), " + size + " × " + features;
  }

  private boolean allZeroOrOne() {
    for (MappedByteBuffer r : regions) {
      for (int i = 0, n = r.capacity(); i < n; i++) {
        if ((r.get(i) & 0xFE) != 0) return false;
      }
    }
    return true;
  }
}
