package io.github.betavae.backend.cpu;

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

  /** The interface's default (chunked host copy), called on a CPU backend. */
  private static boolean defaultScan(Backend be, Buf b) {
    Backend plain = new Backend() {
      public String name() { return "plain"; }
      public Buf alloc(long n) { return be.alloc(n); }
      public Buf slice(Buf x, long o, long n) { return be.slice(x, o, n); }
      public void write(Buf d, float[] s) { be.write(d, s); }
      public void read(Buf s, float[] d) { be.read(s, d); }
      public void fill(Buf x, float v) { be.fill(x, v); }
      public void denseForward(Buf y, Buf x, Buf w, Buf bb, int B, int i, int o, io.github.betavae.backend.Activation a) { throw new UnsupportedOperationException(); }
      public void denseBackward(Buf dx, Buf dw, Buf db, Buf dy, Buf y, Buf x, Buf w, int B, int i, int o, io.github.betavae.backend.Activation a) { throw new UnsupportedOperationException(); }
      public void reparamForward(Buf z, Buf k, Buf s, int B, int l, long seed, long step, boolean sample) { throw new UnsupportedOperationException(); }
      public void reparamBackward(Buf d, Buf dz, Buf s, Buf g, int B, int l, long seed, long step, boolean sample) { throw new UnsupportedOperationException(); }
      public void likelihood(Buf l, Buf dl, Buf lg, Buf x, int B, int f, io.github.betavae.backend.Likelihood k, float s) { throw new UnsupportedOperationException(); }
      public void adamStep(Buf p, Buf g, Buf m, Buf v, long n, float lr, float b1, float b2, float e, float wd, float c1, float c2) { throw new UnsupportedOperationException(); }
      public void close() {}
    };
    return plain.allFinite(b);
  }
}
