package io.github.betavae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Format recognition by content, the errors for files that are not data, and the value checks. */
class DatasetsTest {
  private static final float[] VALUES = {0.5f, -1f, 2f, 0.25f, 3f, 0f};

  @TempDir Path dir;

  private static float[] all(Dataset ds) {
    float[] out = new float[ds.size() * ds.features()];
    for (int i = 0; i < ds.size(); i++) ds.copy(i, out, i * ds.features());
    return out;
  }

  /** The same 2 × 3 floats in each format; names deliberately say nothing true about the content. */
  static Stream<Arguments> sameDataEveryFormat() {
    byte[] npy = Fixtures.npy("<f4", false, "(2, 3)", Fixtures.f4(VALUES));
    java.nio.ByteBuffer be = java.nio.ByteBuffer.allocate(24);
    for (float v : VALUES) be.putFloat(v);
    byte[] idx = Fixtures.idx(0x0D, new int[] {2, 3}, be.array());
    byte[] csv = "0.5,-1,2\n0.25,3,0\n".getBytes(StandardCharsets.UTF_8);
    byte[] npz = Fixtures.handZip(Map.of("x.npy", npy), 8, false, "");
    Function<byte[], byte[]> gz = b -> {
      try {
        return Fixtures.gzip(b);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    };
    return Stream.of(
        Arguments.of("a.csv", npy, NpyDataset.class),
        Arguments.of("b.dat", npz, null),
        Arguments.of("c.npy", idx, NpyDataset.class),
        Arguments.of("d.npz", csv, Csv.Table.class),
        Arguments.of("e.npy.gz", gz.apply(npy), NpyDataset.class),
        Arguments.of("f.gz", gz.apply(npz), null),
        Arguments.of("g.gz", gz.apply(csv), Csv.Table.class));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sameDataEveryFormat")
  void contentDecidesTheFormat(String name, byte[] content, Class<?> type) throws IOException {
    Dataset ds = Datasets.open(Fixtures.write(dir.resolve(name), content));
    assertEquals(2, ds.size());
    assertEquals(3, ds.features());
    assertArrayEquals(VALUES, all(ds));
    if (type != null) assertInstanceOf(type, ds);
    assertTrue(ds.describe().contains(name), ds.describe());
  }

  @Test
  void gzipLeavesNoTemporaryFiles() throws IOException {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    String old = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", tmp.toString());
    try {
      Path f = Fixtures.write(dir.resolve("x.npy.gz"),
          Fixtures.gzip(Fixtures.npy("<f4", false, "(2, 3)", Fixtures.f4(VALUES))));
      assertArrayEquals(VALUES, all(Datasets.open(f)));
      try (Stream<Path> left = Files.list(tmp)) {
        assertEquals(0, left.count());
      }
    } finally {
      System.setProperty("java.io.tmpdir", old);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notData")
  void filesThatAreNotDataGiveOneLine(String what, String name, byte[] content, List<String> says) throws IOException {
    Path f = dir.resolve(name);
    if (content != null) Fixtures.write(f, content);
    if (what.equals("directory")) Files.createDirectory(f);
    String m = assertThrows(DataFormatException.class, () -> Datasets.open(f)).getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.contains(name), m);
    for (String s : says) assertTrue(m.contains(s), "should say " + s + ": " + m);
  }

  static Stream<Arguments> notData() throws IOException {
    return Stream.of(
        Arguments.of("missing", "nowhere.npy", null, List.of("no such file")),
        Arguments.of("directory", "adir", null, List.of("is a directory", ".npy, .npz, MNIST IDX or CSV")),
        Arguments.of("empty", "empty.csv", new byte[0], List.of("the file is empty", ".npy, .npz")),
        Arguments.of("binary", "blob.bin", new byte[] {0x12, 0x34, 0x56, 0x78, 1, 2}, List.of(
            ".npy, .npz, MNIST IDX or CSV", "bytes 12 34 56 78 01 02")),
        Arguments.of("prose", "notes.txt", "hello world\nthis is prose\n".getBytes(StandardCharsets.UTF_8),
            List.of(".npy, .npz, MNIST IDX or CSV", "text that is not CSV of numbers", "line 2, column 1")),
        Arguments.of("gzip inside gzip", "twice.gz", Fixtures.gzip(Fixtures.gzip(new byte[] {1, 2, 3})),
            List.of("gzip inside gzip")),
        Arguments.of("empty gzip", "none.gz", Fixtures.gzip(new byte[0]), List.of("inside the gzip", "nothing")),
        Arguments.of("gzip magic only", "fake.gz", new byte[] {0x1f, (byte) 0x8b, 0, 0},
            List.of("truncated or corrupt")),
        Arguments.of("truncated npy", "cut.npy", new byte[] {(byte) 0x93, 'N', 'U', 'M'},
            List.of("truncated", "10-byte preamble")),
        Arguments.of("CSV by name, bad first row", "first.csv.gz",
            Fixtures.gzip("1,x\n".getBytes(StandardCharsets.UTF_8)),
            List.of("reading first.csv.gz as CSV: line 1, column 2: expected a number but found 'x'")),
        Arguments.of("broken CSV after good rows", "mixed.txt", "1,2\n3,4\n5\n".getBytes(StandardCharsets.UTF_8),
            List.of("as CSV", "line 3: expected 2 values")));
  }

  @Test
  void formatSpecificOpenersInsistOnTheirFormat() throws IOException {
    Path npy = Fixtures.write(dir.resolve("x.csv"), Fixtures.npy("<f4", false, "(1, 1)", Fixtures.f4(1)));
    String m = assertThrows(DataFormatException.class, () -> Csv.open(npy)).getMessage();
    assertTrue(m.contains("x.csv") && m.contains("expected CSV text but found .npy content"), m);
    m = assertThrows(DataFormatException.class, () -> Idx.open(npy)).getMessage();
    assertTrue(m.contains("expected IDX but found .npy content"), m);
  }

  @Test
  void checkFiniteNamesFileSampleAndFeature() throws IOException {
    float[] v = new float[12];
    v[7] = Float.NaN; // sample 2, feature 1 of a (4, 3) array
    Path f = dir.resolve("nan.npy");
    Npy.writeFloat32(f, v, 4, 3);
    Dataset ds = Datasets.open(f);
    String m = assertThrows(DataFormatException.class, () -> Datasets.checkFinite(ds)).getMessage();
    assertTrue(m.contains("nan.npy") && m.contains("expected finite values but found NaN at sample 2, feature 1"), m);
    // Through a view the view's index is given, and where it sits in the file.
    Subset view = Subset.of(ds, new int[] {3, 2});
    m = assertThrows(DataFormatException.class, () -> Datasets.checkFinite(view)).getMessage();
    assertTrue(m.contains("at sample 1, feature 1 (sample 2 of the file)"), m);
    assertDoesNotThrow(() -> Datasets.checkFinite(Subset.of(ds, new int[] {0, 1, 3})));

    v[7] = 0;
    v[11] = Float.NEGATIVE_INFINITY;
    Npy.writeFloat32(f, v, 4, 3);
    m = assertThrows(DataFormatException.class, () -> Datasets.checkFinite(Datasets.open(f))).getMessage();
    assertTrue(m.contains("-Infinity at sample 3, feature 2"), m);
  }

  @Test
  void checksFindValuesPastTheFirstBlock() throws IOException {
    // D = 1 puts 65536 samples in a block; the bad value sits in the second block.
    float[] v = new float[70_000];
    v[69_999] = Float.POSITIVE_INFINITY;
    v[66_000] = 1.5f;
    Path f = dir.resolve("long.npy");
    Npy.writeFloat32(f, v, v.length, 1);
    Dataset ds = NpyDataset.open(f);
    String m = assertThrows(DataFormatException.class, () -> Datasets.checkFinite(ds)).getMessage();
    assertTrue(m.contains("at sample 69999, feature 0"), m);
    m = assertThrows(DataFormatException.class, () -> Datasets.checkUnitRange(ds)).getMessage();
    assertTrue(m.contains("1.5 at sample 66000, feature 0"), m);
  }

  @Test
  void checkUnitRangeSaysWhatToDo() throws IOException {
    Path csv = Fixtures.write(dir.resolve("wide.csv"), "0,1\n0.5,-0.25\n".getBytes(StandardCharsets.UTF_8));
    Dataset ds = Datasets.open(csv);
    assertDoesNotThrow(() -> Datasets.checkFinite(ds));
    String m = assertThrows(DataFormatException.class, () -> Datasets.checkUnitRange(ds)).getMessage();
    assertTrue(m.contains("wide.csv") && m.contains("Bernoulli") && m.contains("expected values in [0, 1] but found "
        + "-0.25 at sample 1, feature 1") && m.contains("--likelihood gaussian") && m.contains("rescale"), m);

    Path ints = Fixtures.write(dir.resolve("ints.npy"), Fixtures.npy("<i4", false, "(1, 2)", Fixtures.i4(1, 2)));
    m = assertThrows(DataFormatException.class, () -> Datasets.checkUnitRange(Datasets.open(ints))).getMessage();
    assertTrue(m.contains("2.0 at sample 0, feature 1"), m);

    Path gray = dir.resolve("gray.npy");
    Npy.writeUint8(gray, new byte[] {0, (byte) 255, 17, 3}, 2, 2);
    assertDoesNotThrow(() -> Datasets.checkUnitRange(Datasets.open(gray)));
    assertDoesNotThrow(() -> Datasets.checkUnitRange(new DSprites()));
    Path unit = dir.resolve("unit.npy");
    Npy.writeFloat32(unit, new float[] {0, 1, 0.5f, 0.999f}, 2, 2);
    assertDoesNotThrow(() -> Datasets.checkUnitRange(Datasets.open(unit)));
  }
}
