package io.github.betavae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** MNIST IDX files: images with labels beside them, plain and gzip, other element types, and bad files. */
class IdxTest {
  private static final int N = 5;
  private static final byte[] LABELS = {7, 2, 1, 0, 9};

  @TempDir Path dir;

  /** Image i, pixel p: a gray level that differs between images and pixels. */
  private static byte[] pixels() {
    byte[] px = new byte[N * 784];
    for (int i = 0; i < px.length; i++) px[i] = (byte) ((i * 37) % 256);
    return px;
  }

  private static byte[] images() {
    return Fixtures.idx(0x08, new int[] {N, 28, 28}, pixels());
  }

  private static byte[] labels(byte[] y) {
    return Fixtures.idx(0x08, new int[] {y.length}, y);
  }

  private static void assertMnist(Dataset ds, String labelsName) {
    assertEquals(N, ds.size());
    assertEquals(784, ds.features());
    float[] x = new float[784];
    byte[] px = pixels();
    for (int i = 0; i < N; i++) {
      ds.copy(i, x, 0);
      for (int p = 0; p < 784; p += 97) assertEquals((px[i * 784 + p] & 0xFF) / 255f, x[p], 1e-7f, "image " + i);
    }
    Factors f = ds.factors().orElseThrow();
    assertEquals(List.of("label"), f.names());
    assertEquals(List.of(10), f.sizes());
    for (int i = 0; i < N; i++) {
      assertEquals(LABELS[i], f.classOf(i, 0));
      assertEquals(LABELS[i], f.valueOf(i, 0));
    }
    assertTrue(ds.describe().contains(labelsName), ds.describe());
  }

  @Test
  void plainImagesWithLabelsBeside() throws IOException {
    Path img = Fixtures.write(dir.resolve("train-images-idx3-ubyte"), images());
    Fixtures.write(dir.resolve("train-labels-idx1-ubyte"), labels(LABELS));
    assertMnist(Idx.open(img), "train-labels-idx1-ubyte");
    assertMnist(Datasets.open(img), "train-labels-idx1-ubyte");
    // Small regions: samples spread over several mappings.
    assertMnist(Idx.open(img, img, "train-images-idx3-ubyte", 784 * 2), "train-labels-idx1-ubyte");
  }

  @Test
  void gzipImagesWithGzipLabelsBeside() throws IOException {
    Path img = Fixtures.write(dir.resolve("t10k-images-idx3-ubyte.gz"), Fixtures.gzip(images()));
    Fixtures.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), Fixtures.gzip(labels(LABELS)));
    Dataset ds = Datasets.open(img);
    assertMnist(ds, "t10k-labels-idx1-ubyte.gz");
    assertTrue(ds.describe().startsWith("t10k-images-idx3-ubyte.gz"), ds.describe());
  }

  @Test
  void dottedNamesPairToo() throws IOException {
    Path img = Fixtures.write(dir.resolve("train-images.idx3-ubyte"), images());
    Fixtures.write(dir.resolve("train-labels.idx1-ubyte.gz"), Fixtures.gzip(labels(LABELS)));
    assertMnist(Idx.open(img), "train-labels.idx1-ubyte.gz");
  }

  @Test
  void withoutLabelsThereAreNoFactors() throws IOException {
    Path img = Fixtures.write(dir.resolve("mnist-images-idx3-ubyte"), images());
    Dataset ds = Idx.open(img);
    assertEquals(N, ds.size());
    assertFalse(ds.factors().isPresent());
  }

  @Test
  void floatImagesAreReadAsIsAndBinaryBytesUnscaled() throws IOException {
    ByteBuffer be = ByteBuffer.allocate(4 * 6);
    for (float v : new float[] {0.5f, -2f, 3.25f, 0f, 1e-3f, 7f}) be.putFloat(v);
    Path f = Fixtures.write(dir.resolve("feat-idx2-float"), Fixtures.idx(0x0D, new int[] {2, 3}, be.array()));
    Dataset ds = Datasets.open(f);
    float[] x = new float[3];
    ds.copy(1, x, 0);
    assertArrayEquals(new float[] {0f, 1e-3f, 7f}, x);

    Path b = Fixtures.write(dir.resolve("bin-idx3-ubyte"),
        Fixtures.idx(0x08, new int[] {1, 2, 2}, new byte[] {0, 1, 1, 0}));
    Dataset bin = Datasets.open(b);
    float[] y = new float[4];
    bin.copy(0, y, 0);
    assertArrayEquals(new float[] {0, 1, 1, 0}, y);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("broken")
  void badFilesAreRejectedNamingTheProblem(String what, String imagesName, byte[] images, String labelsName,
      byte[] labels, List<String> says) throws IOException {
    Path img = Fixtures.write(dir.resolve(imagesName), images);
    if (labelsName != null) Fixtures.write(dir.resolve(labelsName), labels);
    DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.open(img));
    String m = e.getMessage();
    assertFalse(m.contains("\n"), m);
    for (String s : says) assertTrue(m.contains(s), "should say " + s + ": " + m);
  }

  static Stream<Arguments> broken() throws IOException {
    byte[] good = images();
    return Stream.of(
        Arguments.of("unknown element type", "x-idx3-ubyte", Fixtures.idx(0x05, new int[] {1, 2, 2}, new byte[4]),
            null, null, List.of("x-idx3-ubyte", "expected IDX magic", "00 00 05 03")),
        Arguments.of("zero dimensions", "z-idx3-ubyte", new byte[] {0, 0, 8, 0, 1, 2}, null, null,
            List.of("z-idx3-ubyte", "00 00 08 00")),
        Arguments.of("labels file opened as images", "train-labels-idx1-ubyte", labels(LABELS), null, null,
            List.of("train-labels-idx1-ubyte", "expected 3 dimensions (N, H, W) or 2 (N, D) but found 1", "labels")),
        Arguments.of("four dimensions", "train-images-idx3-ubyte", Fixtures.idx(0x08, new int[] {1, 2, 2, 2},
            new byte[8]), null, null, List.of("train-images-idx3-ubyte", "expected 3 dimensions", "found 4")),
        Arguments.of("truncated data", "train-images-idx3-ubyte", Arrays.copyOf(good, good.length - 10), null, null,
            List.of("train-images-idx3-ubyte", "truncated", "expected 3920 data bytes", "found 3910")),
        Arguments.of("truncated header", "train-images-idx3-ubyte", Arrays.copyOf(good, 9), null, null,
            List.of("truncated", "16 header bytes")),
        Arguments.of("truncated gzip", "t10k-images-idx3-ubyte.gz", Arrays.copyOf(Fixtures.gzip(good), 100), null,
            null, List.of("t10k-images-idx3-ubyte.gz", "truncated or corrupt")),
        Arguments.of("too few labels", "train-images-idx3-ubyte", good, "train-labels-idx1-ubyte",
            labels(new byte[] {1, 2, 3}), List.of("train-labels-idx1-ubyte", "expected 5 labels", "found 3")),
        Arguments.of("labels with bad magic", "train-images-idx3-ubyte", good, "train-labels-idx1-ubyte",
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, List.of("train-labels-idx1-ubyte", "00 00 08 01", "01 02 03 04")),
        Arguments.of("labels of two dimensions", "train-images-idx3-ubyte", good, "train-labels-idx1-ubyte",
            Fixtures.idx(0x08, new int[] {5, 1}, new byte[5]), List.of("expected 1 dimension", "found 2")),
        Arguments.of("truncated labels", "train-images-idx3-ubyte", good, "train-labels-idx1-ubyte",
            Arrays.copyOf(labels(LABELS), 10), List.of("train-labels-idx1-ubyte", "truncated")));
  }
}
