package io.github.betavae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.metrics.GroundTruth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** .npz archives: a dSprites-like file in every zip layout, entry choice, factors, and each broken archive. */
class NpzTest {
  /** A reduced dSprites grid: color 1, shape 2, scale 2, orientation 3, posX 2, posY 2; N = 48. */
  private static final int[] GRID = {1, 2, 2, 3, 2, 2};
  private static final int N = 48;

  @TempDir Path dir;

  /** How a variant is written and opened: heap limit and region size exercise each read path. */
  enum Layout { STORED, DEFLATED, DEFLATED_TO_TEMP_FILE, ZIP64_STORED_SMALL_REGIONS, HAND_DEFLATED_WITH_COMMENT }

  @ParameterizedTest
  @MethodSource("layouts")
  void dSpritesLayoutLoadsWithItsFactors(Layout layout) throws IOException {
    Map<String, byte[]> entries = Fixtures.dSpritesLike(GRID);
    Path f = dir.resolve("dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz");
    long heap = Npz.HEAP_LIMIT, region = NpyArray.REGION_BYTES;
    switch (layout) {
      case STORED:
        Fixtures.zip(f, false, entries);
        break;
      case DEFLATED:
        Fixtures.zip(f, true, entries);
        break;
      case DEFLATED_TO_TEMP_FILE:
        Fixtures.zip(f, true, entries);
        heap = 0;
        break;
      case ZIP64_STORED_SMALL_REGIONS:
        Fixtures.write(f, Fixtures.handZip(entries, 0, true, ""));
        region = 3 * 4096 + 100;
        break;
      default:
        Fixtures.write(f, Fixtures.handZip(entries, 8, false, "made by a test"));
    }
    Dataset ds = Npz.open(f, f.getFileName().toString(), heap, region);
    assertEquals(N, ds.size());
    assertEquals(4096, ds.features());
    float[] x = new float[4096];
    for (int i : new int[] {0, 1, 17, N - 1}) {
      ds.copy(i, x, 0);
      for (int p = 0; p < 4096; p++) assertEquals(Fixtures.pixel(i, p), x[p], "image " + i + " pixel " + p);
    }
    Factors fs = ds.factors().orElseThrow();
    assertEquals(List.of("shape", "scale", "orientation", "posX", "posY"), fs.names());
    assertEquals(List.of(2, 2, 3, 2, 2), fs.sizes());
    // Sample 29 = (((1·2 + 0)·3 + 1)·2 + 0)·2 + 1: shape 1, scale 0, orientation 1, posX 0, posY 1.
    int[] want = {1, 0, 1, 0, 1};
    for (int k = 0; k < 5; k++) {
      assertEquals(want[k], fs.classOf(29, k), fs.names().get(k));
      assertEquals(Fixtures.value(k + 1, want[k]), fs.valueOf(29, k), 1e-12, fs.names().get(k));
    }
    assertTrue(ds.describe().contains("color"), ds.describe());
    // Full grid: the metrics can render any combination of classes.
    GroundTruth gt = GroundTruth.of(ds);
    assertArrayEquals(new int[] {2, 2, 3, 2, 2}, gt.factorSizes());
    float[] r = new float[4096];
    gt.render(want, r, 0);
    ds.copy(29, x, 0);
    assertArrayEquals(x, r);
  }

  static Stream<Layout> layouts() {
    return Stream.of(Layout.values());
  }

  @Test
  void dataEntryIsChosenByNameThenAsTheOnlyNumericArray() throws IOException {
    byte[] a = Fixtures.npy("<f4", false, "(2, 2)", Fixtures.f4(1, 2, 3, 4));
    byte[] b = Fixtures.npy("<f4", false, "(1, 3)", Fixtures.f4(5, 6, 7));
    byte[] obj = Fixtures.npy("|O", false, "()", new byte[] {(byte) 0x80, 2});
    Object[][] cases = {
      {Map.of("x.npy", a, "zzz.npy", b), 2},
      {Map.of("data.npy", b, "zzz.npy", a), 1},
      {Map.of("arr_0.npy", a), 2},
      {Map.of("weights.npy", b, "meta.npy", obj, "notes.txt", new byte[] {1}), 1},
    };
    for (Object[] c : cases) {
      @SuppressWarnings("unchecked")
      Map<String, byte[]> m = new LinkedHashMap<>((Map<String, byte[]>) c[0]);
      Path f = dir.resolve("pick.npz");
      Fixtures.zip(f, true, m);
      Dataset ds = Npz.open(f);
      assertEquals(c[1], ds.size(), m.keySet().toString());
      assertFalse(ds.factors().isPresent());
    }
  }

  @Test
  void factorsFromClassesOnlyOrValuesOnly() throws IOException {
    byte[] data = Fixtures.npy("<f4", false, "(4, 1)", Fixtures.f4(0, 1, 2, 3));
    // Two factors: the first takes values 0.25 / 0.75, the second is constant and dropped.
    byte[] values = Fixtures.npy("<f8", false, "(4, 2)", Fixtures.f8(0.75, 5, 0.25, 5, 0.75, 5, 0.25, 5));
    Path f = dir.resolve("v.npz");
    Fixtures.zip(f, false, Map.of("x.npy", data, "latents_values.npy", values));
    Factors fs = Npz.open(f).factors().orElseThrow();
    assertEquals(List.of("factor0"), fs.names());
    assertEquals(List.of(2), fs.sizes());
    assertEquals(1, fs.classOf(0, 0));
    assertEquals(0, fs.classOf(1, 0));
    assertEquals(0.25, fs.valueOf(1, 0));

    byte[] classes = Fixtures.npy("<i4", true, "(4, 2)", Fixtures.i4(0, 1, 2, 1, 3, 3, 3, 3));
    Fixtures.zip(f, false, Map.of("x.npy", data, "latents_classes.npy", classes));
    fs = Npz.open(f).factors().orElseThrow();
    assertEquals(List.of(3, 4), fs.sizes(), "Fortran-order (4, 2): columns are 0 1 2 1 and 3 3 3 3");
    assertEquals(2, fs.classOf(2, 0));
    assertEquals(3, fs.classOf(2, 1));
    assertEquals(2.0, fs.valueOf(2, 0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("broken")
  void brokenArchivesAreRejectedNamingTheProblem(String what, byte[] archive, List<String> says) throws IOException {
    Path f = Fixtures.write(dir.resolve("bad.npz"), archive);
    DataFormatException e = assertThrows(DataFormatException.class, () -> Npz.open(f));
    String m = e.getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.contains("bad.npz"), m);
    for (String s : says) assertTrue(m.contains(s), "should say " + s + ": " + m);
  }

  static Stream<Arguments> broken() throws IOException {
    byte[] img = Fixtures.npy("|u1", false, "(2, 2)", new byte[] {0, 1, 1, 0});
    byte[] f4 = Fixtures.npy("<f4", false, "(1, 2)", Fixtures.f4(1, 2));
    Map<String, byte[]> good = Fixtures.dSpritesLike(GRID);
    byte[] whole = Fixtures.handZip(good, 0, false, "");
    byte[] deflated = Fixtures.handZip(Map.of("imgs.npy", Fixtures.npy("|u1", false, "(64, 64)", new byte[4096])),
        8, false, "");
    deflated[60] ^= 0x55; // inside the deflated stream: fails to inflate or fails the CRC
    return Stream.of(
        Arguments.of("two arrays, none named", Fixtures.handZip(Map.of("a.npy", f4, "b.npy", f4), 0, false, ""),
            List.of("imgs, x, data or arr_0", "a (1, 2) float32", "b (1, 2) float32")),
        Arguments.of("no .npy entries", Fixtures.handZip(Map.of("readme.txt", new byte[3]), 0, false, ""),
            List.of("expected .npy entries", "found none")),
        Arguments.of("cut before the end record", Arrays.copyOf(whole, whole.length - 30),
            List.of("end-of-central-directory", "truncated")),
        Arguments.of("cut inside the data", cutData(whole), List.of("truncated")),
        Arguments.of("corrupt deflate stream", deflated, List.of("imgs.npy", "corrupt")),
        Arguments.of("bzip2 entry", Fixtures.handZip(Map.of("imgs.npy", img), 12, false, ""),
            List.of("imgs.npy", "compression method 12")),
        Arguments.of("object array as data", Fixtures.handZip(Map.of("imgs.npy",
            Fixtures.npy("|O", false, "()", new byte[] {(byte) 0x80})), 0, false, ""), List.of("imgs.npy", "object")),
        Arguments.of("unsupported data dtype", Fixtures.handZip(Map.of("imgs.npy",
            Fixtures.npy("<c8", false, "(1, 1)", new byte[8])), 0, false, ""), List.of("imgs.npy", "'<c8'")),
        Arguments.of("factor rows differ", Fixtures.handZip(Map.of("imgs.npy", img, "latents_classes.npy",
            Fixtures.npy("<i8", false, "(3, 6)", new byte[144])), 0, false, ""),
            List.of("latents_classes.npy", "expected shape (2, F)", "(3, 6)")),
        Arguments.of("negative class", Fixtures.handZip(Map.of("imgs.npy", img, "latents_classes.npy",
            Fixtures.npy("<i8", false, "(2, 1)", Fixtures.i8(0, -1))), 0, false, ""),
            List.of("class indices", "-1 at row 1, column 0")),
        Arguments.of("factor columns differ", Fixtures.handZip(Map.of("imgs.npy", img,
            "latents_classes.npy", Fixtures.npy("<i8", false, "(2, 2)", Fixtures.i8(0, 1, 1, 0)),
            "latents_values.npy", Fixtures.npy("<f8", false, "(2, 3)", new byte[48])), 0, false, ""),
            List.of("expected 2 columns", "found 3")));
  }

  @Test
  void notAZipAtAll() throws IOException {
    Path f = Fixtures.write(dir.resolve("plain.npz"), "just some text that is long enough".getBytes());
    String m = assertThrows(DataFormatException.class, () -> Npz.open(f)).getMessage();
    assertTrue(m.contains("plain.npz") && m.contains("end-of-central-directory"), m);
  }

  /** The archive with 5000 bytes taken out of imgs' data: the directory now points past the end. */
  private static byte[] cutData(byte[] whole) {
    int cut = 5000;
    byte[] out = new byte[whole.length - cut];
    System.arraycopy(whole, 0, out, 0, 200);
    System.arraycopy(whole, 200 + cut, out, 200, whole.length - 200 - cut);
    return out;
  }

  @Test
  void deflatedEntriesLeaveNoTemporaryFiles() throws IOException {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    String old = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", tmp.toString());
    try {
      Path f = dir.resolve("d.npz");
      Fixtures.zip(f, true, Fixtures.dSpritesLike(GRID));
      Dataset ds = Npz.open(f, "d.npz", 0, NpyArray.REGION_BYTES);
      float[] x = new float[4096];
      ds.copy(N - 1, x, 0);
      assertEquals(Fixtures.pixel(N - 1, 4095), x[4095]);
      try (Stream<Path> left = Files.list(tmp)) {
        assertEquals(0, left.count(), "temporary files should be deleted once mapped");
      }
    } finally {
      System.setProperty("java.io.tmpdir", old);
    }
  }
}
