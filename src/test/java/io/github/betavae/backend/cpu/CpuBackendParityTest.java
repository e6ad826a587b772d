package io.github.betavae.backend.cpu;

import static io.github.betavae.testing.Compare.assertBitsEqual;
import static io.github.betavae.testing.Compare.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fast CPU path against the naive oracle, op by op, at sizes that hit every tile edge: 1, odd
 * primes, one above and below the tile sizes (64 rows, 256 columns, 256-deep panels) and the
 * default network's shapes.
 */
class CpuBackendParityTest {
  /** Norm-wise relative tolerance for float sums computed in a different order. */
  private static final double TOL = 1e-5;

  /** (batch, in, out). */
  static final int[][] DENSE_SHAPES = {
      {1, 1, 1}, {3, 17, 5}, {17, 1023, 3}, {64, 1200, 20}, {64, 10, 1200}, {65, 300, 257},
      {130, 513, 17}, {3, 4097, 7}, {260, 33, 19}, {1, 3, 4097}, {2, 257, 255}, {100, 7, 300}, {300, 20, 10},
      {520, 70, 90}};

  private static CpuBackend fast;
  private static CpuBackend naive;

  @BeforeAll
  static void start() {
    fast = new CpuBackend(3);
    naive = CpuBackend.naive(1);
  }

  @AfterAll
  static void stop() {
    fast.close();
    naive.close();
  }

  @Test
  void denseForwardMatchesNaive() {
    Random r = new Random(1);
    for (int[] s : DENSE_SHAPES) {
      int b = s[0], in = s[1], out = s[2];
      float[] x = Ops.gaussian(r, b * in, 1), w = Ops.gaussian(r, out * in, 1 / Math.sqrt(in)), bias = Ops.gaussian(r, out, 0.5);
      for (Activation act : Activation.values()) {
        String what = "denseForward " + act + " (B,IN,OUT)=(" + b + "," + in + "," + out + ")";
        float[] want = new Ops(naive).denseForward(x, w, bias, b, in, out, act);
        assertClose(what, want, new Ops(fast).denseForward(x, w, bias, b, in, out, act), TOL);
        assertClose(what + " whole buffers", want, new Ops(fast, true).denseForward(x, w, bias, b, in, out, act), TOL);
      }
    }
  }

  @Test
  void denseBackwardMatchesNaive() {
    Random r = new Random(2);
    for (int[] s : DENSE_SHAPES) {
      int b = s[0], in = s[1], out = s[2];
      float[] x = Ops.gaussian(r, b * in, 1), w = Ops.gaussian(r, out * in, 1 / Math.sqrt(in));
      float[] dy = Ops.gaussian(r, b * out, 1);
      // Parameter gradients start non-zero: the op must accumulate into them.
      float[] dw0 = Ops.gaussian(r, out * in, 0.1), db0 = Ops.gaussian(r, out, 0.1);
      for (Activation act : Activation.values()) {
        float[] y = Ops.outputOf(act, r, b * out);
        for (boolean withDx : new boolean[] {true, false}) {
          String what = "denseBackward " + act + (withDx ? " with dx" : " without dx") + " (B,IN,OUT)=(" + b + "," + in + "," + out + ")";
          float[] dx0 = withDx ? Ops.gaussian(r, b * in, 1) : null; // garbage: dx is written, not accumulated
          float[][] want = new Ops(naive).denseBackward(dx0, dw0, db0, dy, y, x, w, b, in, out, act);
          float[][] got = new Ops(fast).denseBackward(dx0, dw0, db0, dy, y, x, w, b, in, out, act);
          if (withDx) assertClose(what + " dx", want[0], got[0], TOL);
          else assertNull(got[0]);
          assertClose(what + " dw", want[1], got[1], TOL);
          assertClose(what + " db", want[2], got[2], TOL);
          // dA = dy ⊙ act'(y) and the bias sums are computed in the naive order, so they match exactly.
          assertBitsEqual(what + " dA", want[3], got[3]);
          assertBitsEqual(what + " db", want[2], got[2]);
        }
      }
    }
  }

  @Test
  void reparamMatchesNaiveBitForBit() {
    Random r = new Random(3);
    int[][] sizes = {{1, 1}, {3, 5}, {17, 10}, {64, 10}, {130, 7}, {33, 3}, {400, 4}};
    for (int[] s : sizes) {
      int b = s[0], z = s[1];
      float[] stats = Ops.gaussian(r, 2 * b * z, 1), dz = Ops.gaussian(r, b * z, 1), g = Ops.gaussian(r, z, 1);
      for (boolean sample : new boolean[] {true, false}) {
        String what = "reparam (B,Z)=(" + b + "," + z + ") sample=" + sample;
        float[][] want = new Ops(naive).reparamForward(stats, b, z, 99, 7, sample);
        float[][] got = new Ops(fast).reparamForward(stats, b, z, 99, 7, sample);
        assertBitsEqual(what + " z", want[0], got[0]);
        assertBitsEqual(what + " klSum", want[1], got[1]);
        for (float[] dzIn : new float[][] {dz, null}) {
          assertBitsEqual(what + " dstats" + (dzIn == null ? " (dz null)" : ""),
              new Ops(naive).reparamBackward(dzIn, stats, g, b, z, 99, 7, sample),
              new Ops(fast).reparamBackward(dzIn, stats, g, b, z, 99, 7, sample));
        }
      }
    }
  }

  @Test
  void likelihoodMatchesNaive() {
    Random r = new Random(4);
    int[][] sizes = {{1, 1}, {3, 17}, {5, 4097}, {64, 1023}, {9, 3}};
    for (int[] s : sizes) {
      int b = s[0], d = s[1];
      float[] logits = Ops.gaussian(r, b * d, 4);
      logits[0] = 60f; // far tails: softplus and σ must stay finite and accurate
      if (logits.length > 1) logits[1] = -60f;
      float[] binary = new float[b * d];
      for (int i = 0; i < binary.length; i++) binary[i] = r.nextBoolean() ? 1f : 0f;
      float[] real = Ops.uniform(r, b * d, 0, 1);
      for (Likelihood kind : Likelihood.values()) {
        for (float[] x : new float[][] {binary, real}) {
          for (boolean grad : new boolean[] {true, false}) {
            String what = "likelihood " + kind + " (B,D)=(" + b + "," + d + ") grad=" + grad;
            float[][] want = new Ops(naive).likelihood(logits, x, b, d, kind, 0.25f, grad);
            float[][] got = new Ops(fast).likelihood(logits, x, b, d, kind, 0.25f, grad);
            assertClose(what + " loss", want[0], got[0], TOL);
            if (grad) assertClose(what + " dlogits", want[1], got[1], TOL);
            else assertNull(got[1]);
          }
        }
      }
    }
  }

  @Test
  void adamMatchesNaiveBitForBit() {
    Random r = new Random(5);
    for (int n : new int[] {1, 17, 4097, 3 * ElementOps.ADAM_CHUNK + 5}) {
      float[] p = Ops.gaussian(r, n, 1), g = Ops.gaussian(r, n, 1), m = Ops.gaussian(r, n, 0.1);
      float[] v = Ops.uniform(r, n, 0, 0.1);
      for (float wd : new float[] {0f, 0.01f}) {
        for (boolean whole : new boolean[] {true, false}) {
          String what = "adam n=" + n + " wd=" + wd + (whole ? " whole buffers" : " slices");
          float[][] want = new Ops(naive, whole).adam(p, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, 0.19f, 0.003f);
          float[][] got = new Ops(fast, whole).adam(p, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, 0.19f, 0.003f);
          assertBitsEqual(what + " p", want[0], got[0]);
          assertBitsEqual(what + " m", want[1], got[1]);
          assertBitsEqual(what + " v", want[2], got[2]);
        }
      }
    }
  }

  @Test
  void namesThreadsAndClose() {
    try (CpuBackend be = new CpuBackend(2)) {
      assertEquals("cpu", be.name());
      assertEquals(2, be.threads());
      assertTrue(!be.isNaive());
      be.close();
      be.close(); // idempotent
      assertThrows(IllegalStateException.class,
          () -> new Ops(be).denseForward(new float[1], new float[1], new float[1], 1, 1, 1, Activation.RELU));
    }
    try (CpuBackend be = CpuBackend.naive(4)) {
      assertEquals("cpu-naive", be.name());
      assertTrue(be.isNaive());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CpuBackend(0));
    assertTrue(e.getMessage().contains("threads"), e.getMessage());
  }

  @Test
  void shapeErrorsNameTheOperationAndSizes() {
    Ops ops = new Ops(fast);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> fast.denseForward(ops.buf(new float[6]), ops.buf(new float[4]), ops.buf(new float[6]), ops.buf(new float[3]),
            2, 3, 3, Activation.TANH));
    assertTrue(e.getMessage().contains("denseForward x") && e.getMessage().contains("6") && e.getMessage().contains("4"),
        e.getMessage());
  }
}
