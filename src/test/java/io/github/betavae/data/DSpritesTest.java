package io.github.betavae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The built-in dSprites: grid, index order, purity and the shape/scale/position/rotation trends. */
class DSpritesTest {
  private static final int N = 737_280;
  private final DSprites ds = new DSprites();

  @Test
  void gridMatchesTheOriginalFile() {
    assertEquals(N, ds.size());
    assertEquals(4096, ds.features());
    assertEquals(List.of("shape", "scale", "orientation", "posX", "posY"), ds.names());
    assertEquals(List.of(3, 6, 40, 32, 32), ds.sizes());
    assertTrue(ds.factors().isPresent());
    assertArrayEquals(new double[] {1, 2, 3}, DSprites.values(DSprites.SHAPE));
    assertArrayEquals(new double[] {0.5, 0.6, 0.7, 0.8, 0.9, 1.0}, DSprites.values(DSprites.SCALE), 1e-15);
    double[] or = DSprites.values(DSprites.ORIENTATION);
    assertEquals(40, or.length);
    assertEquals(0.0, or[0]);
    assertEquals(2 * Math.PI, or[39]); // the original includes 2π
    assertEquals(0.16110732, or[1], 1e-8); // as printed in the original's latents_possible_values
    double[] px = DSprites.values(DSprites.POS_X);
    assertEquals(32, px.length);
    assertEquals(0.0, px[0]);
    assertEquals(1.0, px[31]);
    assertEquals(1.0 / 31, px[1], 1e-15);
  }

  @Test
  void indexOrderIsShapeScaleOrientationPosXPosYWithPosYFastest() {
    assertEquals(0, DSprites.indexOf(0, 0, 0, 0, 0));
    assertEquals(1, DSprites.indexOf(0, 0, 0, 0, 1));
    assertEquals(32, DSprites.indexOf(0, 0, 0, 1, 0));
    assertEquals(1024, DSprites.indexOf(0, 0, 1, 0, 0));
    assertEquals(40 * 1024, DSprites.indexOf(0, 1, 0, 0, 0));
    assertEquals(6 * 40 * 1024, DSprites.indexOf(1, 0, 0, 0, 0));
    assertEquals(N - 1, DSprites.indexOf(2, 5, 39, 31, 31));
    assertEquals(0.8, ds.valueOf(DSprites.indexOf(2, 3, 7, 4, 9), DSprites.SCALE), 1e-15);
    assertEquals(3.0, ds.valueOf(DSprites.indexOf(2, 3, 7, 4, 9), DSprites.SHAPE));
  }

  @Test
  void factorClassesAndIndexRoundTripForEverySample() {
    int[] c = new int[5];
    for (int i = 0; i < N; i++) {
      DSprites.classesOf(i, c);
      assertEquals(i, DSprites.indexOf(c));
      if (i % 997 == 0) {
        for (int f = 0; f < 5; f++) assertEquals(c[f], ds.classOf(i, f), "factor " + f + " of " + i);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> DSprites.indexOf(3, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> DSprites.indexOf(0, 0, 0, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> ds.copy(N, new float[4096], 0));
    assertThrows(IndexOutOfBoundsException.class, () -> DSprites.classesOf(-1));
  }

  @Test
  void sameIndexGivesSameImageAcrossCallsAndInstances() {
    Random r = new Random(3);
    float[] a = new float[4096 + 7], b = new float[4096 + 7];
    DSprites other = new DSprites();
    for (int t = 0; t < 500; t++) {
      int i = r.nextInt(N);
      ds.copy(i, a, 7);
      ds.copy(r.nextInt(N), b, 7); // something else in between
      other.copy(i, b, 7);
      assertArrayEquals(a, b, "sample " + i);
      ds.copy(i, b, 7);
      assertArrayEquals(a, b, "sample " + i + " second call");
    }
  }

  @Test
  void maskPathEqualsDirectRenderingAndPixelsAreBinary() {
    float[] fast = new float[4096], slow = new float[4096];
    Random r = new Random(11);
    int[] idx = IntStream.concat(IntStream.range(0, 720).map(s -> s * 1024 + r.nextInt(1024)),
        IntStream.generate(() -> r.nextInt(N)).limit(1500)).toArray();
    for (int i : idx) {
      ds.copy(i, fast, 0);
      DSprites.renderDirect(i, slow, 0);
      for (int p = 0; p < 4096; p++) {
        assertTrue(fast[p] == 0f || fast[p] == 1f, "pixel not binary");
        if (fast[p] != slow[p]) {
          throw new AssertionError("sample " + i + " " + Arrays.toString(DSprites.classesOf(i))
              + ": first mismatch at pixel " + p + " (mask " + fast[p] + ", direct " + slow[p] + ")");
        }
      }
    }
  }

  @Test
  void concurrentReadersSeeTheSameImages() {
    int[] idx = new Random(5).ints(2000, 0, N).toArray();
    float[][] par = new float[idx.length][4096];
    IntStream.range(0, idx.length).parallel().forEach(k -> new DSprites().copy(idx[k], par[k], 0));
    float[] seq = new float[4096];
    for (int k = 0; k < idx.length; k++) {
      DSprites.renderDirect(idx[k], seq, 0);
      assertArrayEquals(seq, par[k], "sample " + idx[k]);
    }
  }

  @Test
  void biggerScaleLightsMorePixels() {
    for (int shape = 0; shape < 3; shape++) {
      for (int o = 0; o < 40; o += 3) {
        int prev = -1;
        for (int sc = 0; sc < 6; sc++) {
          int lit = lit(DSprites.indexOf(shape, sc, o, 16, 16));
          assertTrue(lit > prev, "shape " + shape + " orientation " + o + ": scale " + sc + " lit " + lit
              + " not above " + prev);
          prev = lit;
        }
      }
    }
  }

  @Test
  void shapesDifferAndAreInTheDocumentedOrder() {
    float[] a = new float[4096], b = new float[4096];
    for (int sc = 0; sc < 6; sc++) {
      for (int o = 0; o < 40; o += 7) {
        for (int s1 = 0; s1 < 3; s1++) {
          for (int s2 = s1 + 1; s2 < 3; s2++) {
            ds.copy(DSprites.indexOf(s1, sc, o, 10, 20), a, 0);
            ds.copy(DSprites.indexOf(s2, sc, o, 10, 20), b, 0);
            assertFalse(Arrays.equals(a, b), "shapes " + s1 + " and " + s2 + " equal at scale " + sc + " or " + o);
          }
        }
      }
    }
    // Unrotated at scale 1: the square (side 19.1) lights a 20×20 block of pixel centres; the 24×12.8
    // ellipse is wider than tall.
    assertEquals(400, lit(DSprites.indexOf(DSprites.SQUARE, 5, 0, 16, 16)));
    float[] e = new float[4096];
    ds.copy(DSprites.indexOf(DSprites.ELLIPSE, 5, 0, 16, 16), e, 0);
    assertTrue(extent(e, true) > 1.8 * extent(e, false), "ellipse should be about twice as wide as tall");
  }

  @Test
  void meanPixelIsCalibratedToTheOriginal() {
    double mean = new DSprites().meanPixel();
    assertEquals(DSprites.CALIBRATED_MEAN, mean, 5e-7, "the documented mean must be the measured one");
    // Within 0.1% of the original file's 0.0424944 (the earlier sizes gave 0.0497, 17% more ink).
    assertEquals(DSprites.ORIGINAL_MEAN, mean, 0.001 * DSprites.ORIGINAL_MEAN);
    // The plain renderer agrees on a sample of whole images.
    float[] img = new float[4096];
    long lit = 0, n = 0;
    for (int i = 0; i < new DSprites().size(); i += 997) {
      DSprites.renderDirect(i, img, 0);
      for (float v : img) lit += (long) v;
      n++;
    }
    assertEquals(mean, lit / (4096.0 * n), 0.003, "mean over a sample of directly rendered images");
  }

  @Test
  void positionMovesTheCentreOfMassOnePixelPerStep() {
    int[][] sprites = {{0, 5, 0}, {1, 2, 13}, {2, 4, 27}, {2, 0, 39}};
    for (int[] s : sprites) {
      double[] prevX = null;
      for (int x = 0; x < 32; x++) {
        double[] c = centre(DSprites.indexOf(s[0], s[1], s[2], x, 9));
        if (prevX != null) {
          assertEquals(prevX[0] + 1, c[0], 1e-9, "posX " + x + " of " + Arrays.toString(s));
          assertEquals(prevX[1], c[1], 1e-9, "posX must not move y");
        }
        prevX = c;
      }
      double[] prevY = null;
      for (int y = 0; y < 32; y++) {
        double[] c = centre(DSprites.indexOf(s[0], s[1], s[2], 21, y));
        if (prevY != null) {
          assertEquals(prevY[1] + 1, c[1], 1e-9, "posY " + y + " of " + Arrays.toString(s));
          assertEquals(prevY[0], c[0], 1e-9, "posY must not move x");
        }
        prevY = c;
      }
    }
    // The square's centre of mass is where the documented mapping puts the centre: 16 + 31·pos.
    double[] c = centre(DSprites.indexOf(0, 5, 0, 0, 31));
    assertEquals(16.0, c[0], 1e-9);
    assertEquals(47.0, c[1], 1e-9);
  }

  @Test
  void largestSpritesStayInsideTheFrameAtEveryPosition() {
    // Moving a sprite to the corners must not clip it: its lit count stays that of the centred one.
    for (int shape = 0; shape < 3; shape++) {
      for (int o = 0; o < 40; o++) {
        int centred = lit(DSprites.indexOf(shape, 5, o, 16, 16));
        for (int[] p : new int[][] {{0, 0}, {31, 31}, {0, 31}, {31, 0}}) {
          assertEquals(centred, lit(DSprites.indexOf(shape, 5, o, p[0], p[1])),
              "shape " + shape + " orientation " + o + " at " + Arrays.toString(p));
        }
      }
    }
  }

  @Test
  void rotationChangesTheSquareAndFullTurnEqualsZero() {
    float[] a = new float[4096], b = new float[4096];
    ds.copy(DSprites.indexOf(0, 5, 0, 16, 16), a, 0);
    double[] theta = DSprites.values(DSprites.ORIENTATION);
    for (int o = 1; o < 39; o++) {
      // The square repeats every quarter turn; classes 10 and 29 sit 2.3° from one, below a pixel.
      double offQuarter = Math.abs(Math.IEEEremainder(theta[o], Math.PI / 2));
      if (offQuarter < Math.toRadians(5)) continue;
      ds.copy(DSprites.indexOf(0, 5, o, 16, 16), b, 0);
      assertFalse(Arrays.equals(a, b), "square at orientation " + o + " equals orientation 0");
    }
    // Orientation class 39 is 2π, the same drawing as 0, exactly as in the original file.
    for (int shape = 0; shape < 3; shape++) {
      ds.copy(DSprites.indexOf(shape, 3, 0, 5, 6), a, 0);
      ds.copy(DSprites.indexOf(shape, 3, 39, 5, 6), b, 0);
      assertArrayEquals(a, b, "shape " + shape);
    }
    // The heart has no rotational symmetry: a half turn changes it.
    ds.copy(DSprites.indexOf(2, 5, 0, 16, 16), a, 0);
    ds.copy(DSprites.indexOf(2, 5, 20, 16, 16), b, 0);
    assertFalse(Arrays.equals(a, b));
  }

  private int lit(int index) {
    float[] x = new float[4096];
    ds.copy(index, x, 0);
    int n = 0;
    for (float v : x) n += (int) v;
    return n;
  }

  /** Centre of mass (x = column, y = row) of the lit pixel centres, in pixel-corner coordinates. */
  private double[] centre(int index) {
    float[] x = new float[4096];
    ds.copy(index, x, 0);
    double sx = 0, sy = 0, n = 0;
    for (int p = 0; p < 4096; p++) {
      if (x[p] != 0) {
        sx += p % 64 + 0.5;
        sy += p / 64 + 0.5;
        n++;
      }
    }
    return new double[] {sx / n, sy / n};
  }

  private static int extent(float[] img, boolean horizontal) {
    int lo = 64, hi = -1;
    for (int p = 0; p < 4096; p++) {
      if (img[p] != 0) {
        int k = horizontal ? p % 64 : p / 64;
        lo = Math.min(lo, k);
        hi = Math.max(hi, k);
      }
    }
    return hi - lo + 1;
  }
}
