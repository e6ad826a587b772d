package io.github.betavae.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;

/**
 * NumPy {@code .npz} archives (a zip of {@code .npy} entries, stored or deflated) as a dataset, such as
 * the original {@code dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz}.
 *
 * <h2>Which entry is the data</h2>
 * {@code imgs} if present, else {@code x}, {@code data} or {@code arr_0} (the name {@code numpy.savez}
 * gives an unnamed array), else the only numeric entry besides the factor entries below. The data entry
 * is read as {@link NpyDataset} reads a file: same shapes, types and pixel convention.
 *
 * <h2>Ground-truth factors</h2>
 * Entries {@code latents_classes} (class indices, any integer type) and {@code latents_values} (their
 * real values), each (N, F), give {@link Dataset#factors()}. With one of them only, values are the
 * class indices, or classes are the ranks of the distinct values of each column. With F = 6 the factors
 * are named as in dSprites: color, shape, scale, orientation, posX, posY; otherwise factor0, factor1, …
 * A factor with a single class is dropped (dSprites' color), so the original file gives the built-in
 * generator's five factors and {@code GroundTruth.of} accepts it as a full grid.
 *
 * <h2>What is skipped</h2>
 * Object arrays ({@code metadata} in dSprites) hold Python pickles: they are never read. Entries not
 * named {@code *.npy}, or with a type the reader does not know, are skipped unless chosen as the data.
 *
 * <h2>Memory</h2>
 * A stored entry is memory-mapped in place from the archive. A deflated entry up to 64 MB is inflated
 * into the heap; a larger one is inflated once into a temporary file (see {@link TempFiles}) which is
 * then mapped: the original dSprites archive is deflated, so opening it writes its 3 GB of images to
 * {@code java.io.tmpdir} and takes some seconds. Deflated entries are checked against their CRC-32;
 * stored ones are not, to avoid reading 3 GB at open.
 */
public final class Npz {
  /** Largest deflated entry inflated into the heap rather than a temporary file. */
  static final long HEAP_LIMIT = 64L << 20;
  /** Entry names tried for the data, in order. */
  static final List<String> DATA_KEYS = List.of("imgs", "x", "data", "arr_0");
  static final String CLASSES = "latents_classes", VALUES = "latents_values";
  /** dSprites' factor columns. */
  static final List<String> DSPRITES_FACTORS = List.of("color", "shape", "scale", "orientation", "posX", "posY");
  /** Bound on a class index, so a value table per factor stays small. */
  private static final long MAX_CLASS = 1 << 20;

  private Npz() {}

  /** One .npy entry: its header (data offset relative to the entry), or why it cannot be read. */
  private record Member(Zip.Entry entry, Npy.Header header, DataFormatException failure, String label) {
    String summary(String key) {
      if (failure != null) return key + " (unreadable)";
      if (header.dtype() == Npy.DType.OBJECT) return key + " (object, skipped)";
      return key + " " + header.shapeString() + " " + header.dtype().name().toLowerCase();
    }
  }

  /** How a loaded entry is held: mapped from a channel or wrapped from a heap buffer. */
  private interface Holder<T> {
    T mapped(FileChannel ch, long start) throws IOException;

    T heap(ByteBuffer data);
  }

  /**
   * Opens {@code file} as a dataset, with factors where the archive has them.
   *
   * @throws DataFormatException if it is not a readable .npz or no entry can be chosen as the data
   */
  public static Dataset open(Path file) {
    return open(file, file.getFileName().toString(), HEAP_LIMIT, NpyArray.REGION_BYTES);
  }

  /** As {@link #open(Path)}, naming it {@code name}, with the given heap limit and region size. */
  static Dataset open(Path file, String name, long heapLimit, long regionBytes) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Map<String, Member> members = members(ch, name);
      Member dm = members.get(dataKey(members, name));
      NpyDataset data = load(ch, dm, name, heapLimit, new Holder<NpyDataset>() {
        @Override
        public NpyDataset mapped(FileChannel c, long start) throws IOException {
          return NpyDataset.map(dm.label(), dm.header(), c, start, regionBytes);
        }

        @Override
        public NpyDataset heap(ByteBuffer b) {
          return NpyDataset.wrap(dm.label(), dm.header(), b);
        }
      });
      FactorTable f = factors(ch, members, data.size(), name, heapLimit);
      if (f == null || f.names().isEmpty()) return data;
      String from = (members.containsKey(CLASSES) ? CLASSES : "")
          + (members.containsKey(CLASSES) && members.containsKey(VALUES) ? " and " : "")
          + (members.containsKey(VALUES) ? VALUES : "");
      String dropped = f.dropped().isEmpty() ? "" : ", single-class " + f.dropped() + " dropped";
      return new WithFactors(data, f, data.describe() + "; factors " + f.names() + " from " + from + dropped);
    } catch (IOException e) {
      throw new DataFormatException("reading " + name + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, Member> members(FileChannel ch, String name) throws IOException {
    List<Zip.Entry> entries = Zip.entries(ch, name);
    Map<String, Member> members = new LinkedHashMap<>();
    for (Zip.Entry e : entries) {
      if (!e.name().endsWith(".npy")) continue;
      String key = e.name().substring(0, e.name().length() - 4);
      String label = e.name() + " in " + name;
      try (InputStream in = Zip.open(ch, e, name)) {
        members.put(key, new Member(e, Npy.readHeader(in, 0, e.size(), label), null, label));
      } catch (DataFormatException x) {
        members.put(key, new Member(e, null, x, label));
      } catch (IOException x) {
        members.put(key, new Member(e, null, TempFiles.corrupt(label, x), label));
      }
    }
    if (members.isEmpty()) {
      throw new DataFormatException("reading " + name + ": expected .npy entries in the archive but found none among "
          + entries.size() + " entries");
    }
    return members;
  }

  private static String dataKey(Map<String, Member> members, String name) {
    for (String k : DATA_KEYS) if (members.containsKey(k)) return k;
    List<String> numeric = new ArrayList<>();
    for (Map.Entry<String, Member> m : members.entrySet()) {
      Member v = m.getValue();
      boolean factor = m.getKey().equals(CLASSES) || m.getKey().equals(VALUES);
      if (!factor && v.failure() == null && v.header().dtype() != Npy.DType.OBJECT) numeric.add(m.getKey());
    }
    if (numeric.size() == 1) return numeric.get(0);
    List<String> found = new ArrayList<>();
    members.forEach((k, v) -> found.add(v.summary(k)));
    throw new DataFormatException("reading " + name + ": expected an entry named imgs, x, data or arr_0, or exactly "
        + "one numeric entry besides " + CLASSES + "/" + VALUES + ", but found " + String.join(", ", found));
  }

  /** The entry's array, mapped in place if stored, else inflated and checked against its CRC. */
  private static <T> T load(FileChannel ch, Member m, String file, long heapLimit, Holder<T> holder)
      throws IOException {
    if (m.failure() != null) throw m.failure();
    Zip.Entry e = m.entry();
    Npy.Header h = m.header();
    if (h.dtype() == Npy.DType.OBJECT) throw Npy.objectArray(m.label());
    if (e.method() == Zip.STORED) return holder.mapped(ch, e.dataOffset() + h.dataOffset());
    long dataBytes = h.count() * h.dtype().bytes;
    CRC32 crc = new CRC32();
    try (InputStream in = new CheckedInputStream(Zip.open(ch, e, file), crc)) {
      if (e.size() <= heapLimit) {
        byte[] all;
        try {
          in.skipNBytes(h.dataOffset());
          all = in.readNBytes((int) dataBytes);
          in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException x) {
          throw TempFiles.corrupt(m.label(), x);
        }
        if (all.length < dataBytes) {
          throw new DataFormatException("reading " + m.label() + ": expected " + dataBytes + " data bytes but found "
              + all.length + "; the archive is corrupt");
        }
        checkCrc(e, crc, m.label());
        return holder.heap(ByteBuffer.wrap(all));
      }
      try {
        in.skipNBytes(h.dataOffset());
      } catch (IOException x) {
        throw TempFiles.corrupt(m.label(), x);
      }
      Path tmp = TempFiles.inflate(in, m.label());
      try (FileChannel t = FileChannel.open(tmp, StandardOpenOption.READ)) {
        checkCrc(e, crc, m.label());
        if (t.size() < dataBytes) {
          throw new DataFormatException("reading " + m.label() + ": expected " + dataBytes + " data bytes but found "
              + t.size() + "; the archive is corrupt");
        }
        return holder.mapped(t, 0);
      } finally {
        TempFiles.release(tmp);
      }
    }
  }

  private static void checkCrc(Zip.Entry e, CRC32 crc, String label) {
    if (crc.getValue() != e.crc()) {
      throw new DataFormatException(String.format("reading %s: expected CRC-32 %08x but found %08x; the archive is "
          + "corrupt", label, e.crc(), crc.getValue()));
    }
  }

  /** Factors from latents_classes / latents_values, or null where the archive has neither. */
  private static FactorTable factors(FileChannel ch, Map<String, Member> members, int n, String file, long heapLimit)
      throws IOException {
    Member cm = members.get(CLASSES), vm = members.get(VALUES);
    if (cm == null && vm == null) return null;
    NpyArray ca = cm == null ? null : array(ch, cm, file, heapLimit);
    NpyArray va = vm == null ? null : array(ch, vm, file, heapLimit);
    int f = columns(ca, cm, n, -1);
    f = columns(va, vm, n, f);
    if ((long) n * f > Integer.MAX_VALUE - 8) {
      throw new DataFormatException("reading " + file + ": expected at most 2³¹ factor entries but found " + n
          + " × " + f);
    }
    double[] values = null;
    if (va != null) {
      values = new double[n * f];
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < f; k++) values[i * f + k] = va.get(at(va, n, f, i, k));
      }
    }
    int[] classes = ca != null ? classes(ca, cm.label(), n, f) : ranks(values, n, f);
    List<String> names = new ArrayList<>();
    for (int k = 0; k < f; k++) names.add(f == DSPRITES_FACTORS.size() ? DSPRITES_FACTORS.get(k) : "factor" + k);
    return FactorTable.of(names, n, classes, values, 1);
  }

  private static NpyArray array(FileChannel ch, Member m, String file, long heapLimit) throws IOException {
    return load(ch, m, file, heapLimit, new Holder<NpyArray>() {
      @Override
      public NpyArray mapped(FileChannel c, long start) throws IOException {
        return NpyArray.map(c, start, m.header(), NpyArray.REGION_BYTES, 1);
      }

      @Override
      public NpyArray heap(ByteBuffer b) {
        return NpyArray.wrap(b, m.header());
      }
    });
  }

  /** F for an (N, F) or (N,) factor array; {@code f} ≥ 0 is what the other factor array had. */
  private static int columns(NpyArray a, Member m, int n, int f) {
    if (a == null) return f;
    long[] s = a.header.shape();
    if (s.length < 1 || s.length > 2 || s[0] != n || (s.length == 2 && (s[1] < 1 || s[1] > 1024))) {
      throw new DataFormatException("reading " + m.label() + ": expected shape (" + n + ", F) with 1 ≤ F ≤ 1024, "
          + "one row per sample, but found " + a.header.shapeString());
    }
    int cols = s.length == 2 ? (int) s[1] : 1;
    if (f >= 0 && cols != f) {
      throw new DataFormatException("reading " + m.label() + ": expected " + f + " columns as in the other factor "
          + "entry but found " + cols);
    }
    return cols;
  }

  /** Storage position of row i, column k of an (n, f) array in either order. */
  private static long at(NpyArray a, int n, int f, int i, int k) {
    return a.header.fortranOrder() ? i + (long) n * k : (long) i * f + k;
  }

  private static int[] classes(NpyArray a, String label, int n, int f) {
    int[] out = new int[n * f];
    boolean integer = a.header.dtype().isInteger();
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < f; k++) {
        long e = at(a, n, f, i, k);
        double v = integer ? a.getLong(e) : a.get(e);
        if (!(v >= 0 && v < MAX_CLASS && v == Math.rint(v))) {
          throw new DataFormatException("reading " + label + ": expected class indices, whole numbers in [0, "
              + MAX_CLASS + "), but found " + (integer ? String.valueOf(a.getLong(e)) : String.valueOf(v))
              + " at row " + i + ", column " + k);
        }
        out[i * f + k] = (int) v;
      }
    }
    return out;
  }

  /** Classes as the rank of each value among its column's distinct values. */
  private static int[] ranks(double[] values, int n, int f) {
    int[] out = new int[n * f];
    double[] col = new double[n];
    for (int k = 0; k < f; k++) {
      for (int i = 0; i < n; i++) col[i] = values[i * f + k];
      double[] distinct = Arrays.stream(col).sorted().distinct().toArray();
      for (int i = 0; i < n; i++) out[i * f + k] = Arrays.binarySearch(distinct, col[i]);
    }
    return out;
  }
}
