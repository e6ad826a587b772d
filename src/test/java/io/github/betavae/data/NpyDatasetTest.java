package io.github.betavae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy round trips for each type and shape, the pixel convention, and every rejected file. */
class NpyDatasetTest {
  @TempDir Path dir;

  @Test
  void float32RoundTripsInEveryAcceptedShape() throws IOException {
    float[] data = new float[3 * 4 * 5];
    Random r = new Random(1);
    for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian() * 3;
    int[][] shapes = {{3, 20}, {3, 4, 5}, {3, 4, 5, 1}};
    for (int[] shape : shapes) {
      Path f = dir.resolve("x" + shape.length + ".npy");
      Npy.writeFloat32(f, data, shape);
      NpyDataset ds = NpyDataset.open(f);
      assertEquals(3, ds.size());
      assertEquals(20, ds.features());
      assertEquals(1f, ds.scale());
      assertEquals(0, ds.header().dataOffset() % 64, "data should start on a 64-byte boundary");
      float[] got = new float[60];
      for (int i = 0; i < 3; i++) ds.copy(i, got, i * 20);
      assertArrayEquals(data, got, "shape rank " + shape.length);
      assertArrayEquals(data, Npy.readFloats(f));
    }
  }

  @Test
  void binaryUint8IsUsedAsIsOtherUint8IsDividedBy255() throws IOException {
    byte[] bin = {0, 1, 1, 0, 1, 0};
    Path fb = dir.resolve("bin.npy");
    Npy.writeUint8(fb, bin, 2, 3);
    NpyDataset b = NpyDataset.open(fb);
    float[] x = new float[3];
    b.copy(1, x, 0);
    assertArrayEquals(new float[] {0, 1, 0}, x);
    assertTrue(b.describe().contains("as is"), b.describe());

    byte[] gray = {0, (byte) 255, (byte) 128, 1, 2, 3};
    Path fg = dir.resolve("gray.npy");
    Npy.writeUint8(fg, gray, 2, 1, 3);
    NpyDataset g = NpyDataset.open(fg);
    g.copy(0, x, 0);
    assertArrayEquals(new float[] {0f, 1f, 128f / 255f}, x, 1e-7f);
    g.copy(1, x, 0);
    assertArrayEquals(new float[] {1f / 255f, 2f / 255f, 3f / 255f}, x, 1e-7f);
    assertTrue(g.describe().contains("255"), g.describe());
  }

  @Test
  void readsFloat64BigEndianBoolAndVersion2Headers() throws IOException {
    double[] d = {0.25, -1.5, 3.0, 1e-3};
    ByteBuffer le = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : d) le.putDouble(v);
    Path f8 = write("f8.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", le.array());
    float[] x = new float[4];
    NpyDataset ds = NpyDataset.open(f8);
    ds.copy(0, x, 0);
    ds.copy(1, x, 2);
    assertArrayEquals(new float[] {0.25f, -1.5f, 3f, 1e-3f}, x);

    ByteBuffer be = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
    for (float v : new float[] {1.5f, -2f, 0.125f, 7f}) be.putFloat(v);
    Path fbe = write("be.npy", 2, "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 4), }", be.array());
    NpyDataset big = NpyDataset.open(fbe);
    assertEquals(Npy.DType.FLOAT32, big.header().dtype());
    big.copy(0, x, 0);
    assertArrayEquals(new float[] {1.5f, -2f, 0.125f, 7f}, x);

    Path fbool = write("b.npy", 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }",
        new byte[] {1, 0, 0, 1});
    NpyDataset bool = NpyDataset.open(fbool);
    bool.copy(1, x, 0);
    assertEquals(0f, x[0]);
    assertEquals(1f, x[1]);
  }

  @Test
  void samplesAcrossSeveralMappedRegionsReadCorrectly() throws IOException {
    int n = 23, d = 6;
    byte[] data = new byte[n * d];
    for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
    Path f = dir.resolve("regions.npy");
    Npy.writeUint8(f, data, n, d);
    // 20-byte regions hold 3 rows of 6 bytes each: 8 regions, the last one partial.
    NpyDataset small = NpyDataset.open(f, 20);
    NpyDataset whole = NpyDataset.open(f);
    float[] a = new float[d], b = new float[d];
    for (int i = 0; i < n; i++) {
      small.copy(i, a, 0);
      whole.copy(i, b, 0);
      assertArrayEquals(b, a, "row " + i);
      assertEquals((data[i * d + 5] & 0xFF) / 255f, a[5], 1e-7f, "row " + i);
    }
  }

  @Test
  void emptyDatasetOpens() throws IOException {
    Path f = dir.resolve("empty.npy");
    Npy.writeFloat32(f, new float[0], 0, 7);
    NpyDataset ds = NpyDataset.open(f);
    assertEquals(0, ds.size());
    assertEquals(7, ds.features());
    assertThrows(IndexOutOfBoundsException.class, () -> ds.copy(0, new float[7], 0));
  }

  @Test
  void rejectsBadMagicWithFileName() throws IOException {
    Path f = dir.resolve("not.npy");
    Files.write(f, "PK\u0003\u0004 this is a zip".getBytes(StandardCharsets.ISO_8859_1));
    expect(f, "not.npy", "magic");
    Path tiny = dir.resolve("tiny.npy");
    Files.write(tiny, new byte[] {1, 2});
    expect(tiny, "tiny.npy", "magic");
  }

  @Test
  void rejectsTruncatedFiles() throws IOException {
    Path f = dir.resolve("cut.npy");
    Npy.writeFloat32(f, new float[12], 3, 4);
    byte[] whole = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 5));
    String m = expect(f, "cut.npy", "truncated");
    assertTrue(m.contains("48 data bytes") && m.contains("found 43"), m);
    Files.write(f, java.util.Arrays.copyOf(whole, 30)); // inside the header
    expect(f, "cut.npy", "truncated");
    Files.write(f, java.util.Arrays.copyOf(whole, 8)); // inside the preamble
    expect(f, "cut.npy", "truncated");
    Files.write(f, java.util.Arrays.copyOf(whole, 4)); // inside the magic: a cut .npy, not another format
    expect(f, "cut.npy", "truncated");
  }

  @Test
  void rejectsUnsupportedTypesRanksOrderAndVersions() throws IOException {
    String m = expect(write("c8.npy", 1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1), }", new byte[8]),
        "c8.npy", "dtype");
    assertTrue(m.contains("'<c8'"), m);
    expect(write("obj.npy", 1, "{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", new byte[] {(byte) 0x80}),
        "obj.npy", "object");
    expect(write("rec.npy", 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]),
        "rec.npy", "structured");
    m = expect(write("r1.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", new byte[12]),
        "r1.npy", "(N, D)");
    assertTrue(m.contains("(3,)"), m);
    expect(write("rgb.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2, 3), }", new byte[12]),
        "rgb.npy", "(1, 2, 2, 3)");
    expect(write("v9.npy", 9, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", new byte[4]),
        "v9.npy", "version");
    expect(write("junk.npy", 1, "{'descr': '<f4', 'shape': (1, 1), }", new byte[4]), "junk.npy", "fortran_order");
  }

  @Test
  void fortranOrderGivesTheSameSamplesAsCOrder() throws IOException {
    // c holds a (2, 3, 4) array in C order; f the same array laid out first index fastest.
    long[] shape = {2, 3, 4};
    float[] c = new float[24];
    for (int i = 0; i < 24; i++) c[i] = i * 0.5f - 3;
    float[] f = new float[24];
    for (int i = 0; i < 24; i++) f[(int) Npy.fortranIndex(i, shape)] = c[i];
    assertEquals(1 + 2 * 1 + 6 * 1, Npy.fortranIndex(1 * 12 + 1 * 4 + 1, shape), "element (1, 1, 1)");
    String[][] cases = {{"(2, 3, 4)", "f3.npy"}, {"(2, 3, 4, 1)", "f4.npy"}};
    for (String[] k : cases) {
      Path p = write(k[1], 1, "{'descr': '<f4', 'fortran_order': True, 'shape': " + k[0] + ", }", Fixtures.f4(f));
      NpyDataset ds = NpyDataset.open(p);
      assertEquals(2, ds.size());
      assertEquals(12, ds.features());
      float[] got = new float[24];
      ds.copy(0, got, 0);
      ds.copy(1, got, 12);
      assertArrayEquals(c, got, k[0]);
      assertTrue(ds.describe().contains("Fortran"), ds.describe());
      assertArrayEquals(c, Npy.readFloats(p), "readFloats " + k[0]);
    }
    // (N, D) = (3, 2) as uint8 gray in Fortran order: column 0 then column 1; regions of 4 bytes.
    Path g = write("fg.npy", 1, "{'descr': '|u1', 'fortran_order': True, 'shape': (3, 2), }",
        new byte[] {0, 10, 20, (byte) 255, 40, 50});
    for (NpyDataset ds : new NpyDataset[] {NpyDataset.open(g), NpyDataset.open(g, 4)}) {
      float[] row = new float[2];
      ds.copy(0, row, 0);
      assertArrayEquals(new float[] {0f, 1f}, row, 1e-7f);
      ds.copy(2, row, 0);
      assertArrayEquals(new float[] {20 / 255f, 50 / 255f}, row, 1e-7f);
    }
  }

  @Test
  void signedIntegersAreReadAsIs() throws IOException {
    ByteBuffer i2 = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
    for (short v : new short[] {-300, 7, 1000, -1}) i2.putShort(v);
    Object[][] cases = {
      {"<i8", Fixtures.i8(-5, 1L << 40, 3, 0)},
      {"<i4", Fixtures.i4(-5, 1 << 20, 3, 0)},
      {">i2", i2.array()},
      {"|i1", new byte[] {-128, 127, 3, 0}},
    };
    float[][] want = {{-5, (float) (1L << 40)}, {-5, 1 << 20}, {-300, 7}, {-128, 127}};
    for (int c = 0; c < cases.length; c++) {
      String descr = (String) cases[c][0];
      Path p = write("int" + c + ".npy", 1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2, 2), }",
          (byte[]) cases[c][1]);
      NpyDataset ds = NpyDataset.open(p);
      assertEquals(1f, ds.scale(), descr);
      float[] x = new float[2];
      ds.copy(0, x, 0);
      assertArrayEquals(want[c], x, descr);
      assertArrayEquals(want[c], java.util.Arrays.copyOf(Npy.readFloats(p), 2), descr);
    }
  }

  @Test
  void writerChecksShape() {
    assertThrows(IllegalArgumentException.class, () -> Npy.writeFloat32(dir.resolve("w.npy"), new float[5], 2, 3));
    assertThrows(IllegalArgumentException.class, () -> Npy.writeUint8(dir.resolve("w.npy"), new byte[6], 2, -3));
  }

  /** Asserts opening fails with a message naming the file and containing {@code what}; returns it. */
  private static String expect(Path f, String name, String what) {
    DataFormatException e = assertThrows(DataFormatException.class, () -> NpyDataset.open(f));
    assertTrue(e.getMessage().contains(name) && e.getMessage().contains(what),
        "message should name " + name + " and say " + what + ": " + e.getMessage());
    return e.getMessage();
  }

  /** A hand-built .npy: version {@code major}, header dict padded as numpy does, then the payload. */
  private Path write(String name, int major, String dict, byte[] payload) throws IOException {
    int lenBytes = major == 1 ? 2 : 4;
    int pre = 6 + 2 + lenBytes;
    StringBuilder h = new StringBuilder(dict);
    while ((pre + h.length() + 1) % 64 != 0) h.append(' ');
    h.append('\n');
    byte[] hb = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    ByteBuffer len = ByteBuffer.allocate(lenBytes).order(ByteOrder.LITTLE_ENDIAN);
    if (lenBytes == 2) len.putShort((short) hb.length); else len.putInt(hb.length);
    out.write(len.array());
    out.write(hb);
    out.write(payload);
    Path f = dir.resolve(name);
    Files.write(f, out.toByteArray());
    return f;
  }

  @Test
  void imagesWithChannelsAreReadAsNchwWhicheverAxisHoldsThem() throws IOException {
    int n = 2, h = 6, w = 5, c = 3;
    byte[] nhwc = new byte[n * h * w * c];
    for (int i = 0; i < nhwc.length; i++) nhwc[i] = (byte) (i % 251);
    Path last = dir.resolve("last.npy");
    Npy.writeUint8(last, nhwc, n, h, w, c);
    NpyDataset d = NpyDataset.open(last);
    assertEquals(c * h * w, d.features());
    assertTrue(d.describe().contains("channels last: read as (N, 3, 6, 5)"), d.describe());
    float[] got = new float[c * h * w];
    d.copy(1, got, 0);
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float want = (nhwc[((1 * h + y) * w + x) * c + ch] & 0xFF) * d.scale();
          assertEquals(want, got[(ch * h + y) * w + x], "channel " + ch + " at (" + y + ", " + x + ")");
        }
      }
    }
    // the same values stored channels first give the same samples
    byte[] nchw = new byte[nhwc.length];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < c * h * w; k++) {
        int ch = k / (h * w), y = k / w % h, x = k % w;
        nchw[i * c * h * w + k] = nhwc[((i * h + y) * w + x) * c + ch];
      }
    }
    Path first = dir.resolve("first.npy");
    Npy.writeUint8(first, nchw, n, c, h, w);
    NpyDataset f = NpyDataset.open(first);
    assertTrue(f.describe().contains("channels first"), f.describe());
    float[] again = new float[c * h * w];
    f.copy(1, again, 0);
    assertArrayEquals(got, again);
    Path unclear = dir.resolve("unclear.npy");
    Npy.writeUint8(unclear, new byte[2 * 3 * 4 * 2], 2, 3, 4, 2);
    DataFormatException e = assertThrows(DataFormatException.class, () -> NpyDataset.open(unclear));
    assertTrue(e.getMessage().contains("cannot tell the channel axis of shape (2, 3, 4, 2)"), e.getMessage());
  }
}
