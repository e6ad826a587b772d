package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Precision;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.rng.Philox;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every CUDA op against the CPU reference on fresh random inputs, at sizes that are not tile
 * multiples (1, 3, 17, 1023, 4097), relative error ≤ 1e-5 (see {@link Parity}). Subclasses choose
 * the device: the host harness in every build, a real GPU where one answers. Sizes stay small where
 * an op's cost grows with the product of its sizes, since the host harness is slow.
 */
abstract class CudaBackendContract {
  static final double TOL = 1e-5;

  CpuBackend cpu;
  CudaBackend gpu;
  Random rnd;

  /** The device under test; a subclass may skip the test here through an assumption. */
  abstract Device openDevice();

  /** The backend under test on {@link #openDevice()}; a subclass may choose another GEMM provider. */
  CudaBackend openBackend() {
    return new CudaBackend(openDevice(), "cuda-under-test");
  }

  @BeforeEach
  void open() {
    cpu = new CpuBackend(1);
    gpu = openBackend();
    rnd = new Random(20240611L);
  }

  @AfterEach
  void close() {
    if (gpu != null) gpu.close();
  }

  float[] uniform(int n, float lo, float hi) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd.nextFloat();
    return a;
  }

  /** The same values in a CPU buffer and a CUDA buffer. */
  Buf[] pair(float[] v) {
    Buf c = cpu.alloc(v.length), g = gpu.alloc(v.length);
    cpu.write(c, v);
    gpu.write(g, v);
    return new Buf[] {c, g};
  }

  float[] host(CpuBackend be, Buf b) {
    float[] a = new float[(int) b.length()];
    be.read(b, a);
    return a;
  }

  float[] host(CudaBackend be, Buf b) {
    float[] a = new float[(int) b.length()];
    be.read(b, a);
    return a;
  }

  void same(String what, Buf[] p) {
    Parity.assertClose(what, host(cpu, p[0]), host(gpu, p[1]), TOL);
  }

  // (batch, in, out): widths 1, 17, 1023, 4097, batches 1 and 3, plus cases spanning several tiles
  // in every dimension. IN = 1023 and 4097 take the split-K path forward, OUT = 1023 and 4097 take it
  // for dx; B = 1100 on a thin layer (IN or OUT ≤ 64) takes it for dw; the others take the
  // single-pass kernels.
  static final int[][] DENSE_SIZES = {
    {1, 17, 1}, {3, 1, 17}, {3, 1023, 17}, {1, 4097, 3}, {3, 17, 1023}, {1, 3, 4097}, {70, 67, 130}, {70, 600, 130},
    {1100, 130, 20}, {1100, 10, 70},
  };

  @Test
  void denseForwardMatchesCpu() {
    denseForward(TOL);
  }

  @Test
  void denseBackwardMatchesCpu() {
    denseBackward(TOL);
  }

  /** Tolerance of TF32 products against the CPU engine's TF32 mode. */
  double tf32Tolerance() {
    return TOL;
  }

  @Test
  void tf32DenseForwardMatchesTheCpuTf32Mode() {
    cpu.precision(Precision.TF32);
    gpu.precision(Precision.TF32);
    denseForward(tf32Tolerance());
  }

  @Test
  void tf32DenseBackwardMatchesTheCpuTf32Mode() {
    cpu.precision(Precision.TF32);
    gpu.precision(Precision.TF32);
    denseBackward(tf32Tolerance());
  }

  /** TF32 is really applied: its products differ from FP32's, by about what 10 mantissa bits allow. */
  @Test
  void tf32ProductsAreRoundedAndCloseToFp32() {
    int b = 70, in = 600, out = 130;
    float[] xv = uniform(b * in, -1, 1), wv = uniform(out * in, -0.05f, 0.05f), bv = new float[out];
    Buf[] x = pair(xv), w = pair(wv), bias = pair(bv);
    Buf[] fp32 = pair(new float[b * out]), tf32 = pair(new float[b * out]);
    gpu.denseForward(fp32[1], x[1], w[1], bias[1], b, in, out, Activation.IDENTITY);
    gpu.precision(Precision.TF32);
    gpu.denseForward(tf32[1], x[1], w[1], bias[1], b, in, out, Activation.IDENTITY);
    float[] f = host(gpu, fp32[1]), t = host(gpu, tf32[1]);
    assertFalse(java.util.Arrays.equals(f, t), "TF32 products equal FP32's bit for bit: the rounding is not applied");
    Parity.assertClose("TF32 vs FP32 products", f, t, 5e-3);
  }

  private void denseForward(double tol) {
    Activation[] acts = Activation.values();
    for (int c = 0; c < DENSE_SIZES.length; c++) {
      int b = DENSE_SIZES[c][0], in = DENSE_SIZES[c][1], out = DENSE_SIZES[c][2];
      Activation act = acts[c % acts.length];
      float bound = (float) (1 / Math.sqrt(in));
      Buf[] x = pair(uniform(b * in, -1, 1)), w = pair(uniform(out * in, -bound, bound)), bias = pair(uniform(out, -bound, bound));
      Buf[] y = pair(new float[b * out]);
      cpu.denseForward(y[0], x[0], w[0], bias[0], b, in, out, act);
      gpu.denseForward(y[1], x[1], w[1], bias[1], b, in, out, act);
      Parity.assertClose(gpu.precision().id() + " dense forward y, B=" + b + " IN=" + in + " OUT=" + out + " " + act,
          host(cpu, y[0]), host(gpu, y[1]), tol);
    }
  }

  private void denseBackward(double tol) {
    Activation[] acts = Activation.values();
    for (int c = 0; c < DENSE_SIZES.length; c++) {
      int b = DENSE_SIZES[c][0], in = DENSE_SIZES[c][1], out = DENSE_SIZES[c][2];
      Activation act = acts[(c + 1) % acts.length];
      boolean withDx = c % 3 != 2;
      float bound = (float) (1 / Math.sqrt(in));
      float[] yv = new float[b * out];
      for (int i = 0; i < yv.length; i++) yv[i] = act.apply(rnd.nextFloat() * 4 - 2);
      Buf[] x = pair(uniform(b * in, -1, 1)), w = pair(uniform(out * in, -bound, bound)), y = pair(yv);
      Buf[] dy = pair(uniform(b * out, -1, 1));
      // nonzero starting gradients check the += contract
      Buf[] dw = pair(uniform(out * in, -1, 1)), db = pair(uniform(out, -1, 1));
      Buf[] dx = withDx ? pair(uniform(b * in, -1, 1)) : new Buf[] {null, null};
      cpu.denseBackward(dx[0], dw[0], db[0], dy[0], y[0], x[0], w[0], b, in, out, act);
      gpu.denseBackward(dx[1], dw[1], db[1], dy[1], y[1], x[1], w[1], b, in, out, act);
      String at = ", B=" + b + " IN=" + in + " OUT=" + out + " " + act + " " + gpu.precision().id();
      Parity.assertClose("dense backward dA" + at, host(cpu, dy[0]), host(gpu, dy[1]), tol);
      Parity.assertClose("dense backward dw" + at, host(cpu, dw[0]), host(gpu, dw[1]), tol);
      Parity.assertClose("dense backward db" + at, host(cpu, db[0]), host(gpu, db[1]), tol);
      if (withDx) Parity.assertClose("dense backward dx" + at, host(cpu, dx[0]), host(gpu, dx[1]), tol);
    }
  }

  @Test
  void reparamForwardAndBackwardMatchCpu() {
    int[][] sizes = {{1, 1}, {3, 10}, {130, 7}, {1, 4097}};
    long seed = 0x1234_5678_9ABC_DEF0L;
    for (int[] s : sizes) {
      int b = s[0], z = s[1];
      for (boolean sample : new boolean[] {true, false}) {
        long step = 3 + b;
        float[] st = new float[2 * b * z];
        for (int i = 0; i < st.length; i++) st[i] = rnd.nextFloat() * 4 - 2;
        Buf[] stats = pair(st), zz = pair(new float[b * z]), kl = pair(uniform(z, 5, 6));
        cpu.reparamForward(zz[0], kl[0], stats[0], b, z, seed, step, sample);
        gpu.reparamForward(zz[1], kl[1], stats[1], b, z, seed, step, sample);
        String at = ", B=" + b + " Z=" + z + " sample=" + sample;
        same("reparam forward z" + at, zz);
        same("reparam forward klSum" + at, kl);
        for (boolean withDz : new boolean[] {true, false}) {
          Buf[] dz = withDz ? pair(uniform(b * z, -1, 1)) : new Buf[] {null, null};
          Buf[] g = pair(uniform(z, 0, 4)), dst = pair(uniform(2 * b * z, -1, 1));
          cpu.reparamBackward(dst[0], dz[0], stats[0], g[0], b, z, seed, step, sample);
          gpu.reparamBackward(dst[1], dz[1], stats[1], g[1], b, z, seed, step, sample);
          same("reparam backward dstats" + at + " dz=" + withDz, dst);
        }
      }
    }
  }

  @Test
  void likelihoodMatchesCpu() {
    int[][] sizes = {{1, 1}, {3, 4097}, {2, 17}, {5, 1023}};
    for (int[] s : sizes) {
      int b = s[0], d = s[1];
      for (Likelihood kind : Likelihood.values()) {
        float[] xv = new float[b * d];
        for (int i = 0; i < xv.length; i++) xv[i] = kind == Likelihood.BERNOULLI ? (rnd.nextBoolean() ? 1 : 0) : rnd.nextFloat();
        Buf[] logits = pair(uniform(b * d, -8, 8)), x = pair(xv), loss = pair(new float[b]);
        boolean withGrad = d != 17;
        Buf[] dl = withGrad ? pair(new float[b * d]) : new Buf[] {null, null};
        float scale = 1f / b;
        cpu.likelihood(loss[0], dl[0], logits[0], x[0], b, d, kind, scale);
        gpu.likelihood(loss[1], dl[1], logits[1], x[1], b, d, kind, scale);
        String at = ", B=" + b + " D=" + d + " " + kind;
        same("likelihood loss" + at, loss);
        if (withGrad) same("likelihood dlogits" + at, dl);
      }
    }
  }

  @Test
  void finiteScanRunsOnTheDeviceAndFindsEveryKindOfNonFinite() {
    for (int n : new int[] {1, 17, 4097, 300_007}) {
      float[] v = uniform(n, -1e30f, 1e30f);
      Buf b = gpu.alloc(n);
      gpu.write(b, v);
      assertTrue(gpu.allFinite(b), "finite values, n=" + n);
      for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
        for (int at : new int[] {0, n / 2, n - 1}) {
          float keep = v[at];
          v[at] = bad;
          gpu.write(b, v);
          assertFalse(gpu.allFinite(b), bad + " at " + at + " of " + n);
          assertTrue(gpu.allFinite(gpu.slice(b, 0, at)), "the slice before it, n=" + n);
          v[at] = keep;
        }
      }
      gpu.write(b, v);
      assertTrue(gpu.allFinite(b), "the flag is cleared between scans, n=" + n);
    }
    assertTrue(gpu.allFinite(gpu.alloc(0)), "an empty buffer is finite");
  }

  @Test
  void adamStepMatchesCpu() {
    int[] sizes = {1, 17, 4097, 300_007};
    for (int n : sizes) {
      for (float wd : new float[] {0f, 0.01f}) {
        Buf[] p = pair(uniform(n, -1, 1)), g = pair(uniform(n, -1, 1)), m = pair(uniform(n, -0.1f, 0.1f));
        Buf[] v = pair(uniform(n, 0, 0.01f));
        for (int t = 1; t <= 2; t++) {
          float bc1 = (float) (1 - Math.pow(0.9, t)), bc2 = (float) (1 - Math.pow(0.999, t));
          cpu.adamStep(p[0], g[0], m[0], v[0], n, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, bc1, bc2);
          gpu.adamStep(p[1], g[1], m[1], v[1], n, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, bc1, bc2);
        }
        String at = ", n=" + n + " wd=" + wd;
        same("adam p" + at, p);
        same("adam m" + at, m);
        same("adam v" + at, v);
      }
    }
  }

  /**
   * Adam's element-by-element path: buffers one float into larger ones are not 16-byte aligned, so
   * the kernel's 128-bit path cannot run; the result is the same.
   */
  @Test
  void adamStepMatchesCpuOnUnalignedBuffers() {
    int n = 4099;
    Buf[] p = unaligned(uniform(n, -1, 1)), g = unaligned(uniform(n, -1, 1)), m = unaligned(uniform(n, -0.1f, 0.1f));
    Buf[] v = unaligned(uniform(n, 0, 0.01f));
    float bc1 = (float) (1 - Math.pow(0.9, 3)), bc2 = (float) (1 - Math.pow(0.999, 3));
    cpu.adamStep(p[0], g[0], m[0], v[0], n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2);
    gpu.adamStep(p[1], g[1], m[1], v[1], n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2);
    same("adam p, unaligned", p);
    same("adam m, unaligned", m);
    same("adam v, unaligned", v);
  }

  /** v on the CPU, and on the GPU one float into a buffer one longer. */
  private Buf[] unaligned(float[] v) {
    Buf c = cpu.alloc(v.length), g = gpu.slice(gpu.alloc(v.length + 1), 1, v.length);
    cpu.write(c, v);
    gpu.write(g, v);
    return new Buf[] {c, g};
  }

  @Test
  void gatherConvertsSelectedRows() {
    int rowsInData = 6;
    for (int d : new int[] {1, 17, 4097}) {
      byte[] data = new byte[rowsInData * d];
      rnd.nextBytes(data);
      int[] rows = {5, 0, 3, 3};
      RawBuf dd = gpu.allocRaw(data.length), ri = gpu.allocRaw(4L * rows.length);
      gpu.write(dd, data);
      gpu.write(ri, rows);
      for (boolean scale : new boolean[] {true, false}) {
        Buf out = gpu.alloc((long) rows.length * d);
        gpu.gather(out, dd, ri, rows.length, d, scale);
        float[] expected = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
          for (int j = 0; j < d; j++) {
            float v = data[rows[i] * d + j] & 0xFF;
            expected[i * d + j] = scale ? v / 255f : v;
          }
        }
        Parity.assertClose("gather D=" + d + " scale255=" + scale, expected, host(gpu, out), 0);
      }
    }
  }

  @Test
  void philoxUint32StreamIsBitIdenticalToJava() {
    long[] seeds = {0L, 42L, 0xDEAD_BEEF_CAFE_F00DL};
    int n = 4099;
    for (long seed : seeds) {
      long step = seed == 0 ? 0 : (1L << 32) + 7;  // the counter keeps the low 32 bits of step on both sides
      RawBuf out = gpu.allocRaw(4L * n);
      gpu.rng().uint32(out, n, seed, step, Philox.STREAM_EPS);
      int[] got = new int[n];
      gpu.read(out, got);
      int[] block = new int[4];
      int bad = 0;
      StringBuilder first = new StringBuilder();
      for (int e = 0; e < n; e++) {
        Philox.block(seed, e >>> 2, step, Philox.STREAM_EPS, block);
        if (got[e] != block[e & 3]) {
          if (bad++ < 5) first.append(String.format(" [%d] expected %08x found %08x", e, block[e & 3], got[e]));
        }
      }
      assertEquals(0, bad, "Philox uint32 stream, seed " + seed + ": " + bad + " of " + n + " words differ:" + first);
    }
  }

  @Test
  void philoxKernelPassesRandom123KnownAnswer() {
    // Random123 kat_vectors: philox4x32 10 rounds, counter 0 and key 0 — with this project's layout,
    // seed 0, quad 0, step 0, stream 0.
    RawBuf out = gpu.allocRaw(16);
    gpu.rng().uint32(out, 4, 0, 0, 0);
    int[] got = new int[4];
    gpu.read(out, got);
    assertEquals(java.util.List.of(0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8),
        java.util.List.of(got[0], got[1], got[2], got[3]));
  }

  @Test
  void philoxNormalsAgreeWithJavaWithin2e6() {
    int n = 40_000;
    long seed = 99, step = 5;
    Buf out = gpu.alloc(n);
    gpu.rng().normal(out, n, seed, step, Philox.STREAM_EPS);
    float[] got = host(gpu, out);
    double max = 0, maxAbsValue = 0;
    int worst = -1;
    for (int e = 0; e < n; e++) {
      float want = Philox.normal(seed, e, step, Philox.STREAM_EPS);
      double diff = Math.abs(got[e] - want);
      if (!(diff <= max)) {
        max = diff;
        worst = e;
      }
      maxAbsValue = Math.max(maxAbsValue, Math.abs(want));
    }
    assertTrue(max <= 2e-6, "normals differ by up to " + max + " at element " + worst);
    assertTrue(maxAbsValue > 3.5, "the sample should reach the tails where rounding is largest, max |n| = " + maxAbsValue);
  }

  @Test
  void graphReplayEqualsEagerLaunches() {
    int b = 3, in = 17, out = 9;
    float[] xv = uniform(b * in, -1, 1), wv = uniform(out * in, -0.3f, 0.3f), bv = uniform(out, -0.3f, 0.3f);
    float[][] results = new float[2][];
    for (int mode = 0; mode < 2; mode++) {
      Buf x = gpu.alloc(b * in), w = gpu.alloc(out * in), bias = gpu.alloc(out), y = gpu.alloc(b * out);
      Buf dy = gpu.alloc(b * out), dw = gpu.alloc(out * in), db = gpu.alloc(out), dx = gpu.alloc(b * in);
      Buf m = gpu.alloc(out * in), v = gpu.alloc(out * in);
      gpu.write(x, xv);
      gpu.write(w, wv);
      gpu.write(bias, bv);
      Runnable step = () -> {
        gpu.denseForward(y, x, w, bias, b, in, out, Activation.TANH);
        gpu.fill(dy, 0.5f);
        gpu.fill(dw, 0f);
        gpu.fill(db, 0f);
        gpu.denseBackward(dx, dw, db, dy, y, x, w, b, in, out, Activation.TANH);
        gpu.adamStep(w, dw, m, v, (long) out * in, 0.01f, 0.9f, 0.999f, 1e-8f, 0f, 0.1f, 0.001f);
      };
      if (mode == 0) {
        for (int i = 0; i < 3; i++) step.run();
      } else {
        try (Device.Graph g = gpu.capture(step)) {
          assertEquals(8, g.size(), "recorded operations: 5 kernels and 3 memsets");
          float[] before = host(gpu, w);
          assertEquals(wv[0], before[0], "capture must record, not run");
          for (int i = 0; i < 3; i++) g.replay();
        }
      }
      gpu.synchronize();
      results[mode] = host(gpu, w);
    }
    Parity.assertClose("weights after 3 graph replays vs 3 eager steps", results[0], results[1], 0);
  }
}
