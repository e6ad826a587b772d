package io.github.betavae.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A dataset read from a {@code .npy} file, memory-mapped so that files larger than the heap (the
 * 3 GB uint8 dSprites images) are read sample by sample.
 *
 * <p>Accepted shapes: (N, D); (N, H, W), flattened to D = H·W; images with channels as (N, C, H, W)
 * or (N, H, W, C), read as NCHW (the layout the convolutional architectures take), D = C·H·W: the
 * channel axis is the one of size at most 4 (1 for grey, 3 for RGB, 4 for RGBA) while the other is
 * larger, and {@link #describe()} says which was inferred. Element types as {@link
 * Npy} reads them, object arrays excepted. Fortran-order files are read as they are, each sample
 * gathered from its strided positions, and give the same samples as their C-order equivalent.
 *
 * <p>Pixel convention (DESIGN §8): uint8 data whose values are all 0 or 1 is used as is (dSprites
 * {@code imgs} is stored so); other uint8 data is divided by 255; bool, signed integer, float32 and
 * float64 data is used as is (float64 rounded to float). Deciding the uint8 case reads the file once
 * when it is opened.
 */
public final class NpyDataset implements Dataset {
  private final String name;
  private final NpyArray array;
  private final int size;
  private final int features;
  private final float scale;
  /** For Fortran order: sample i's feature k is element {@code i + N·column[k]}; null for C order. */
  private final int[] column;
  /** For (N, H, W, C) in C order: feature k (NCHW) is element {@code i·D + gather[k]}; null otherwise. */
  private final int[] gather;
  /** Whether the file is (N, H, W, C) with C &gt; 1, read as NCHW. */
  private final boolean channelsLast;

  private NpyDataset(String name, NpyArray array, int size, int features) {
    this.name = name;
    this.array = array;
    this.size = size;
    this.features = features;
    Npy.Header h = array.header;
    long[] sh = h.shape();
    channelsLast = sh.length == 4 && sh[3] > 1 && sh[3] <= 4 && sh[1] > 4;
    // the stored (C-order, within a sample) index of NCHW feature k
    int[] src = null;
    if (channelsLast) {
      int hh = (int) sh[1], ww = (int) sh[2], cc = (int) sh[3];
      src = new int[features];
      for (int c = 0; c < cc; c++) {
        for (int y = 0; y < hh; y++) {
          for (int x = 0; x < ww; x++) src[(c * hh + y) * ww + x] = (y * ww + x) * cc + c;
        }
      }
    }
    if (h.fortranOrder()) {
      long[] inner = Arrays.copyOfRange(sh, 1, sh.length);
      column = new int[features];
      for (int k = 0; k < features; k++) column[k] = (int) Npy.fortranIndex(src == null ? k : src[k], inner);
      gather = null;
    } else {
      column = null;
      gather = src;
    }
    this.scale = h.dtype() == Npy.DType.UINT8 && !allZeroOrOne() ? 1f / 255f : 1f;
  }

  /**
   * Opens {@code file} as a dataset of N samples.
   *
   * @throws DataFormatException if the file is not a readable .npy of an accepted shape and type
   */
  public static NpyDataset open(Path file) {
    return open(file, file.getFileName().toString(), NpyArray.REGION_BYTES);
  }

  /** As {@link #open(Path)} with mapped regions of at most {@code regionBytes} (tests use small ones). */
  static NpyDataset open(Path file, long regionBytes) {
    return open(file, file.getFileName().toString(), regionBytes);
  }

  /** As {@link #open(Path)}, naming the data {@code name} in messages (the .gz it was inflated from). */
  static NpyDataset open(Path file, String name, long regionBytes) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Npy.Header h = Npy.readHeader(ch, name);
      return map(name, h, ch, h.dataOffset(), regionBytes);
    } catch (IOException e) {
      throw new DataFormatException("opening " + name + ": " + e.getMessage(), e);
    }
  }

  /** The array described by {@code h} whose first element is at byte {@code start} of {@code ch}. */
  static NpyDataset map(String name, Npy.Header h, FileChannel ch, long start, long regionBytes)
      throws IOException {
    int d = checkShape(h, name);
    NpyArray a = NpyArray.map(ch, start, h, regionBytes, h.fortranOrder() ? 1 : d);
    return new NpyDataset(name, a, (int) h.shape()[0], d);
  }

  /** The array described by {@code h} held in {@code data} from position 0. */
  static NpyDataset wrap(String name, Npy.Header h, ByteBuffer data) {
    int d = checkShape(h, name);
    return new NpyDataset(name, NpyArray.wrap(data, h), (int) h.shape()[0], d);
  }

  /** D for an accepted shape and type; otherwise a message saying what is accepted. */
  private static int checkShape(Npy.Header h, String name) {
    if (h.dtype() == Npy.DType.OBJECT) throw Npy.objectArray(name);
    long[] s = h.shape();
    long d;
    if (s.length == 2) {
      d = s[1];
    } else if (s.length == 3 || (s.length == 4 && s[3] == 1)) {
      d = s[1] * s[2];
    } else if (s.length == 4 && ((s[1] <= 4 && s[3] > 4) || (s[3] <= 4 && s[1] > 4))) {
      d = s[1] * s[2] * s[3];  // (N, C, H, W) or (N, H, W, C)
    } else if (s.length == 4) {
      throw new DataFormatException("opening " + name + " as a dataset: cannot tell the channel axis of shape "
          + h.shapeString() + ": expected (N, C, H, W) or (N, H, W, C) with C ≤ 4 channels and larger H and W");
    } else {
      throw new DataFormatException("opening " + name + " as a dataset: expected shape (N, D), (N, H, W), "
          + "(N, C, H, W) or (N, H, W, C) but found " + h.shapeString());
    }
    if (s[0] > Integer.MAX_VALUE || d > Integer.MAX_VALUE / h.dtype().bytes || d == 0) {
      throw new DataFormatException("opening " + name + " as a dataset: expected D ≥ 1, N and D·itemsize below 2³¹ "
          + "but found shape " + h.shapeString());
    }
    return (int) d;
  }

  /** The file's header (shape, element type). */
  public Npy.Header header() {
    return array.header;
  }

  /** The factor applied to stored values: 1 or 1/255. */
  public float scale() {
    return scale;
  }

  /** The name used in messages: the file, or the entry and its archive. */
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
    if (column != null) {
      for (int k = 0; k < features; k++) dst[off + k] = (float) array.get(index + (long) size * column[k]) * scale;
      return;
    }
    // C order: a sample is D consecutive elements inside one region (regions hold whole rows).
    long first = (long) index * features;
    if (gather != null) {
      for (int k = 0; k < features; k++) dst[off + k] = (float) array.get(first + gather[k]) * scale;
      return;
    }
    ByteBuffer b = array.regions[(int) (first / array.perRegion)];
    int pos = (int) (first % array.perRegion) * array.header.dtype().bytes;
    switch (array.header.dtype()) {
      case UINT8:
      case BOOL:
        for (int k = 0; k < features; k++) dst[off + k] = (b.get(pos + k) & 0xFF) * scale;
        break;
      case INT8:
        for (int k = 0; k < features; k++) dst[off + k] = b.get(pos + k);
        break;
      case INT16:
        for (int k = 0; k < features; k++) dst[off + k] = b.getShort(pos + 2 * k);
        break;
      case INT32:
        for (int k = 0; k < features; k++) dst[off + k] = b.getInt(pos + 4 * k);
        break;
      case INT64:
        for (int k = 0; k < features; k++) dst[off + k] = b.getLong(pos + 8 * k);
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
    Npy.DType t = array.header.dtype();
    String how = t == Npy.DType.UINT8
        ? (scale == 1f ? "uint8 0/1 used as is" : "uint8 / 255")
        : t.name().toLowerCase() + " as is";
    if (column != null) how += ", Fortran order";
    long[] sh = array.header.shape();
    if (channelsLast) how += ", channels last: read as (N, " + sh[3] + ", " + sh[1] + ", " + sh[2] + ")";
    else if (sh.length == 4 && sh[3] != 1) how += ", channels first";
    return name + " " + array.header.shapeString() + " (" + how + "), " + size + " × " + features;
  }

  private boolean allZeroOrOne() {
    // Eight bytes at a time: the 3 GB dSprites images are scanned at every open.
    for (ByteBuffer r : array.regions) {
      int n = r.limit(), i = 0;
      for (; i + 8 <= n; i += 8) {
        if ((r.getLong(i) & 0xFEFEFEFEFEFEFEFEL) != 0) return false;
      }
      for (; i < n; i++) {
        if ((r.get(i) & 0xFE) != 0) return false;
      }
    }
    return true;
  }
}
