package io.github.betavae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import org.junit.jupiter.api.Test;

/** Backend.allFinite on the CPU: the parallel in-place scan, the naive scan and the chunked default agree. */
class AllFiniteTest {
  private static final int N = 3 * (1 << 15) + 17; // several scan chunks and a ragged tail

  @Test
  void findsEveryKindOfNonFiniteValueAnywhere() {
    float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    int[] at = {0, 1 << 15, N / 2, N - 1};
    try (CpuBackend fast = new CpuBackend(2); CpuBackend naive = CpuBackend.naive(1)) {
      for (Backend be : new Backend[] {fast, naive}) {
        Buf b = be.alloc(N + 8);
        Buf view = be.slice(b, 8, N);
        float[] h = new float[N];
        for (int i = 0; i < N; i++) h[i] = (i % 7 - 3) * 1e30f;
        be.write(view, h);
        assertTrue(be.allFinite(view), be.name());
        assertTrue(defaultScan(be, view), "default " + be.name());
        for (float v : bad) {
          for (int i : at) {
            h[i] = v;
            be.write(view, h);
            assertFalse(be.allFinite(view), be.name() + " " + v + " at " + i);
            assertFalse(defaultScan(be, view), "default " + be.name() + " " + v + " at " + i);
            h[i] = 0f;
          }
        }
        // A bad value just outside the view does not count.
        float[] outside = new float[N + 8];
        outside[7] = Float.NaN;
        be.write(b, outside);
        assertTrue(be.allFinite(view), "value before the view");
      }
    }
  }

  /**
   * The plain and the vector kernel's scans (the one the fast backend runs when the Vector API is
   * present) agree on every range near the vector and chunk edges, with one NaN or ±∞ anywhere in it,
   * just outside it, or nowhere.
   */
  @Test
  void thePlainAndTheVectorScansAgree() {
    org.junit.jupiter.api.Assumptions.assumeTrue(GemmPath.vectorAvailable(), "no Vector API module in this JVM");
    GemmPath.Kernel plain = GemmPath.kernel(false), vector = GemmPath.kernel(true);
    float[] v = new float[200];
    for (int i = 0; i < v.length; i++) v[i] = (i % 5 - 2) * 1.5e38f; // up to ±3e38, near the largest float
    float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    for (int from = 0; from < 40; from += 3) {
      for (int to = from; to <= 190; to += 7) {
        assertTrue(vector.allFinite(v, from, to) && plain.allFinite(v, from, to), from + ".." + to);
        for (int at = Math.max(0, from - 1); at <= Math.min(v.length - 1, to); at++) {
          float keep = v[at];
          v[at] = bad[at % 3];
          boolean inside = at >= from && at < to;
          assertEquals(!inside, vector.allFinite(v, from, to), "vector " + v[at] + " at " + at + " of " + from + ".." + to);
          assertEquals(!inside, plain.allFinite(v, from, to), "plain " + v[at] + " at " + at + " of " + from + ".." + to);
          v[at] = keep;
        }
      }
    }
  }

  /** The interface's default (chunked host copy), called on a CPU backend. */
  private static boolean defaultScan(Backend be, Buf b) {
    return Backend.hostScan(be, b);
  }
}
