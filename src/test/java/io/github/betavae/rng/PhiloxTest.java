package io.github.betavae.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Philox4x32 against Random123's known answers, and the statistics of the derived uniforms/normals. */
class PhiloxTest {

  /**
   * Every philox4x32 line of Random123's {@code tests/kat_vectors}: rounds, counter (4 words), key (2
   * words), expected output (4 words).
   */
  private static final String[] KAT = {
    "7 00000000 00000000 00000000 00000000 00000000 00000000 5f6fb709 0d893f64 4f121f81 4f730a48",
    "7 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff 5207ddc2 45165e59 4d8ee751 8c52f662",
    "7 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0 4dfccaba 190a87f0 c47362ba b6b5242a",
    "10 00000000 00000000 00000000 00000000 00000000 00000000 6627e8d5 e169c58d bc57ac4c 9b00dbd8",
    "10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff 408f276d 41c83b0e a20bc7c6 6d5451fd",
    "10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0 d16cfe09 94fdcceb 5001e420 24126ea1",
  };

  @Test
  void matchesRandom123KnownAnswers() {
    for (String line : KAT) {
      String[] t = line.split(" ");
      int rounds = Integer.parseInt(t[0]);
      int[] w = new int[10];
      for (int i = 0; i < 10; i++) w[i] = Integer.parseUnsignedInt(t[i + 1], 16);
      int[] out = new int[4];
      Philox.philox4x32(rounds, w[0], w[1], w[2], w[3], w[4], w[5], out);
      int[] expected = {w[6], w[7], w[8], w[9]};
      assertArrayEquals(expected, out, () -> "philox4x32-" + rounds + " KAT mismatch for " + line
          + ": got " + hex(out));
    }
  }

  @Test
  void blockUsesDocumentedCounterLayout() {
    // key = (seed low, seed high), counter = (quad, step, stream, 0): check against the raw cipher.
    long seed = 0x299f31d0a4093822L;
    int[] viaLayout = new int[4];
    int[] raw = new int[4];
    Philox.block(seed, 0x85a308d3_243f6a88L, 0x13198a2eL, 7, viaLayout);
    Philox.philox4x32(10, 0x243f6a88, 0x13198a2e, 7, 0, 0xa4093822, 0x299f31d0, raw);
    assertArrayEquals(raw, viaLayout);
    // Seed 0, quad 0, step 0, stream 0 is the all-zero KAT input.
    Philox.block(0L, 0L, 0L, 0, viaLayout);
    assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, viaLayout);
  }

  @Test
  void uniformsLieInOpenZeroClosedOneWithMeanOneHalf() {
    assertEquals(0x1p-33f, Philox.uniform(0));
    assertEquals(1.0f, Philox.uniform(-1)); // 2^32-1 rounds up to 1 in float: (0, 1] as documented
    int n = 400_000;
    double sum = 0;
    float min = 2, max = -1;
    for (int e = 0; e < n; e++) {
      float u = Philox.uniformAt(42, e, 3, Philox.STREAM_METRICS);
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    assertTrue(min > 0f && max <= 1f, "uniform range (0,1], found [" + min + ", " + max + "]");
    double mean = sum / n;
    // Standard error of the mean is sqrt(1/12 / n) ≈ 4.6e-4; allow 5 sigma.
    assertEquals(0.5, mean, 2.3e-3, "uniform mean");
  }

  @Test
  void normalsHaveZeroMeanAndUnitVariance() {
    int quads = 250_000;
    float[] q = new float[4];
    int[] scratch = new int[4];
    double sum = 0, sumSq = 0;
    for (long k = 0; k < quads; k++) {
      Philox.normals(1234567L, k, 9, Philox.STREAM_EPS, scratch, q, 0);
      for (float v : q) {
        sum += v;
        sumSq += (double) v * v;
      }
    }
    int n = quads * 4;
    double mean = sum / n;
    double var = sumSq / n - mean * mean;
    // SE(mean) = 1/sqrt(n) = 1e-3, SE(var) ≈ sqrt(2/n) ≈ 1.4e-3; 5 sigma each.
    assertEquals(0.0, mean, 5e-3, "normal mean");
    assertEquals(1.0, var, 7e-3, "normal variance");
  }

  @Test
  void singleNormalEqualsQuadPath() {
    float[] q = new float[8];
    int[] scratch = new int[4];
    for (long quad = 0; quad < 50; quad++) {
      Philox.normals(77L, quad, 2, Philox.STREAM_PRIOR, scratch, q, 3);
      for (int j = 0; j < 4; j++) {
        long e = quad * 4 + j;
        assertEquals(Float.floatToIntBits(q[3 + j]),
            Float.floatToIntBits(Philox.normal(77L, e, 2, Philox.STREAM_PRIOR)), "element " + e);
      }
    }
  }

  @Test
  void streamsStepsAndSeedsGiveDifferentWords() {
    int[] a = new int[4], b = new int[4], c = new int[4], d = new int[4];
    Philox.block(5, 10, 1, Philox.STREAM_EPS, a);
    Philox.block(5, 10, 1, Philox.STREAM_INIT, b);
    Philox.block(5, 10, 2, Philox.STREAM_EPS, c);
    Philox.block(6, 10, 1, Philox.STREAM_EPS, d);
    assertTrue(a[0] != b[0] && a[0] != c[0] && a[0] != d[0], "independent counters gave equal words");
  }

  @Test
  void boundedStaysBelowBoundAndMatchesBelow() {
    int[] s = new int[4];
    for (long quad = 0; quad < 1000; quad++) {
      Philox.block(9, quad, 0, Philox.STREAM_SHUFFLE, s);
      for (int j = 0; j < 4; j++) {
        int bound = (int) (quad * 4 + j) + 1;
        int v = Philox.bounded(s[j], bound);
        assertTrue(v >= 0 && v < bound, "bounded " + v + " outside [0," + bound + ")");
        assertEquals(Philox.below(9, quad * 4 + j, 0, Philox.STREAM_SHUFFLE, bound), v);
      }
    }
    assertEquals(0, Philox.bounded(-1, 1));
    assertEquals(6, Philox.bounded(-1, 7));
  }

  private static String hex(int[] w) {
    StringBuilder b = new StringBuilder();
    for (int x : w) b.append(String.format("%08x ", x));
    return b.toString().trim();
  }
}
