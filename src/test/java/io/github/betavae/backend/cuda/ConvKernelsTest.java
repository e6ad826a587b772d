package io.github.betavae.backend.cuda;

import static io.github.betavae.backend.cuda.TestBufs.get;
import static io.github.betavae.backend.cuda.TestBufs.put;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Conv2d;
import io.github.betavae.backend.cpu.ConvOpsTest;
import io.github.betavae.backend.cpu.CpuBackend;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code kernels/conv.cu} against the CPU engine: on the host harness (sanitizer on) in every build,
 * and on a GPU where one answers (tag gpu). The forward and the input gradient take the same terms in
 * the same order with one fused multiply-add each, so with ReLU (exact on both) they agree bit for
 * bit, as does the weight gradient where its sum is not split into chunks; a split one, and the bias
 * gradient (a tree on the device), agree within 1e-5 of the CPU's in-order sums (more for sums of
 * over about 4,500 terms, whose in-order rounding alone exceeds that: {@link #sumTolerance}).
 */
class ConvKernelsTest {

  @Test
  void theHarnessAgreesWithTheCpuEngine() {
    Emulator.assumeBuilt();
    try (CudaBackend gpu = CudaBackend.emulated()) {
      compare(gpu, false);
    }
  }

  @Test
  @Tag("gpu")
  void aGpuAgreesWithTheCpuEngine() {
    try (CudaBackend gpu = RealGpu.backendOrSkip()) {
      compare(gpu, true);
    }
  }

  /**
   * ConvOpsTest's shapes, plus more than one 64-row tile of channels on the narrow and on the wide
   * side, a weight gradient whose 720-row sum is split into chunks, and a one-channel output whose
   * bias gradient is split by samples.
   */
  private static java.util.List<Conv2d> shapes() {
    java.util.List<Conv2d> shapes = new java.util.ArrayList<>(ConvOpsTest.shapes());
    shapes.add(Conv2d.conv(1, 2, 5, 5, 70, 3, 1, 1));
    shapes.add(Conv2d.transposed(1, 3, 3, 3, 70, 4, 2, 1));
    shapes.add(Conv2d.conv(3, 3, 33, 31, 5, 4, 2, 1));
    shapes.add(Conv2d.transposed(8, 4, 16, 16, 1, 4, 2, 1));
    return shapes;
  }

  /** Random x, w, b, dy, dw0, db0 for shape s. */
  private static float[][] inputs(Random r, Conv2d s) {
    return new float[][] {gaussian(r, s.inSize()), gaussian(r, s.weightSize()), gaussian(r, s.outC()), gaussian(r, s.outSize()),
        gaussian(r, s.weightSize()), gaussian(r, s.outC())};
  }

  /** y, dx, dw (accumulated onto dw0) and db (onto db0) of one forward and backward on be. */
  private static float[][] run(Backend be, Conv2d s, float[][] in, Activation act) {
    Buf X = put(be, in[0]), W = put(be, in[1]), B = put(be, in[2]), Y = be.alloc(s.outSize());
    be.convForward(Y, X, W, B, s, act);
    Buf DY = put(be, in[3]), DW = put(be, in[4]), DB = put(be, in[5]), DX = be.alloc(s.inSize());
    be.convBackward(DX, DW, DB, DY, Y, X, W, s, act);
    return new float[][] {get(be, Y, s.outSize()), get(be, DX, s.inSize()), get(be, DW, s.weightSize()), get(be, DB, s.outC())};
  }

  private static void compare(CudaBackend gpu, boolean large) {
    Random r = new Random(21);
    java.util.List<Conv2d> shapes = shapes();
    if (large) {
      // the conv architecture's first and last layers at batch 64
      shapes.add(Conv2d.conv(64, 1, 64, 64, 32, 4, 2, 1));
      shapes.add(Conv2d.transposed(64, 32, 32, 32, 1, 4, 2, 1));
    }
    try (CpuBackend cpu = new CpuBackend(2)) {
      for (Conv2d s : shapes) {
        for (Activation act : new Activation[] {Activation.RELU, Activation.IDENTITY, Activation.TANH}) {
          float[][] in = inputs(r, s), c = run(cpu, s, in, act), d = run(gpu, s, in, act);
          String what = gpu.name() + " " + s.describe() + " " + act;
          if (act == Activation.TANH) {
            // tanhf on the device, Math.tanh on the CPU: the outputs and what follows from them differ by rounding
            Parity.assertClose(what + " y", c[0], d[0], 1e-5);
            Parity.assertClose(what + " dx", c[1], d[1], 1e-5);
          } else {
            assertArrayEquals(c[0], d[0], what + " y: same terms, same order, same bits");
            assertArrayEquals(c[1], d[1], what + " dx: same terms, same order, same bits");
          }
          boolean split = ConvKernels.rowChunk(s) < s.batch() * s.narrowH() * s.narrowW();
          if (act == Activation.TANH || split) sums(what + " dw (accumulated" + (split ? ", split" : "") + ")", c[2], d[2], dwTerms(s));
          else assertArrayEquals(c[2], d[2], what + " dw (accumulated): same terms, same order, same bits");
          sums(what + " db (accumulated)", c[3], d[3], dbTerms(s));
        }
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(shapes.stream().anyMatch(s -> ConvKernels.rowChunk(s) < s.batch() * s.narrowH() * s.narrowW()),
        "some shape splits the weight gradient's sum");
    org.junit.jupiter.api.Assertions.assertTrue(shapes.stream().anyMatch(s -> ConvKernels.biasChunk(s) < s.batch()),
        "some shape splits the bias gradient's sum");
  }

  /**
   * {@code --precision tf32}: the {@code *_tf32} kernels (WMMA, which the harness implements with
   * TF32 rounding) and the direct kernel with rounded operands against the CPU engine's TF32 mode,
   * within 1e-5 (the accumulation orders differ).
   */
  @Test
  void theTf32KernelsAgreeWithTheCpuTf32Mode() {
    Emulator.assumeBuilt();
    Random r = new Random(22);
    try (CudaBackend gpu = CudaBackend.emulated(); CpuBackend cpu = new CpuBackend(2)) {
      gpu.precision(io.github.betavae.backend.Precision.TF32);
      cpu.precision(io.github.betavae.backend.Precision.TF32);
      for (Conv2d s : shapes()) {
        float[][] in = inputs(r, s), c = run(cpu, s, in, Activation.RELU), d = run(gpu, s, in, Activation.RELU);
        String what = "tf32 " + s.describe();
        Parity.assertClose(what + " y", c[0], d[0], 1e-5);
        Parity.assertClose(what + " dx", c[1], d[1], 1e-5);
        sums(what + " dw (accumulated)", c[2], d[2], dwTerms(s));
        sums(what + " db (accumulated)", c[3], d[3], dbTerms(s));
      }
    }
  }

  /**
   * {@link #sumTolerance} against what it claims to cover: 512 in-order float sums of 65,536 products
   * of unit Gaussians (the conv net's first weight gradient at batch 64), each against its sum in
   * double. The largest error exceeds the plain 1e-5, which such a sum could not meet even against
   * exact arithmetic, and stays within the tolerance.
   */
  @Test
  void theLongSumToleranceCoversTheCpuSumsOwnRounding() {
    Random r = new Random(23);
    int n = 64 * 32 * 32, outputs = 512;
    float[] inOrder = new float[outputs];
    double[] sums = new double[outputs];
    for (int o = 0; o < outputs; o++) {
      float f = 0;
      double d = 0;
      for (int i = 0; i < n; i++) {
        float a = (float) r.nextGaussian(), b = (float) r.nextGaussian();
        f = Math.fma(a, b, f);
        d += (double) a * b;
      }
      inOrder[o] = f;
      sums[o] = d;
    }
    double rms = 0;
    for (double d : sums) rms += d * d;
    double scale = Math.sqrt(rms / outputs), worst = 0;
    for (int o = 0; o < outputs; o++) worst = Math.max(worst, Math.abs(inOrder[o] - sums[o]) / Math.max(scale, Math.abs(sums[o])));
    org.junit.jupiter.api.Assertions.assertTrue(worst > 1e-5, "the in-order sums' largest error " + worst + " is within 1e-5");
    org.junit.jupiter.api.Assertions.assertTrue(worst <= sumTolerance(n), "the in-order sums' largest error " + worst
        + " exceeds the tolerance " + sumTolerance(n));
  }

  /** Terms in each weight-gradient sum: one per sample and position of the narrow side. */
  private static long dwTerms(Conv2d s) {
    return (long) s.batch() * s.narrowH() * s.narrowW();
  }

  /** Terms in each bias-gradient sum: one per sample and output position. */
  private static long dbTerms(Conv2d s) {
    return (long) s.batch() * s.outH() * s.outW();
  }

  /**
   * Reductions of {@code terms} unit-sized terms, summed in different orders: within
   * {@link #sumTolerance} of the larger of 1 and the values' rms (a sum that cancels to near 0 keeps
   * the absolute error of its terms).
   */
  private static void sums(String what, float[] expected, float[] actual, long terms) {
    double rms = 0;
    for (float v : expected) rms += (double) v * v;
    double scale = Math.max(1, Math.sqrt(rms / Math.max(1, expected.length)));
    double tol = sumTolerance(terms);
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs((double) expected[i] - actual[i]) / Math.max(scale, Math.abs(expected[i]));
      if (!(err <= tol)) {
        org.junit.jupiter.api.Assertions.fail(what + " [" + i + "]: expected " + expected[i] + " but found " + actual[i]
            + " (error " + err + " of scale " + scale + ", tolerance " + tol + " for " + terms + " terms)");
      }
    }
  }

  /**
   * 1e-5, or more for long sums. The CPU engine adds n unit-variance terms one after another; each
   * addition rounds at the size of the running sum, about √k after k terms, so the sum's own rounding
   * error has a standard deviation of about n·u/√6 (u = 2⁻²⁴), or √n·u/√6 relative to the sum's
   * scale √n. Over a few hundred outputs the largest is about 3.3 of those; 2.5·u·√n is about 6.
   * At 65,536 terms (the conv net's first layer at batch 64) that is 3.8e-5, and a GPU, whose
   * split sums are the more accurate side, was measured 1.26e-5 off the CPU there.
   */
  static double sumTolerance(long terms) {
    return Math.max(1e-5, 2.5 * Math.scalb(1.0, -24) * Math.sqrt(terms));
  }

  private static float[] gaussian(Random r, long n) {
    float[] a = new float[(int) n];
    for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
    return a;
  }
}
