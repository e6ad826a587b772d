package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cpu.NaiveOps;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The warp-tiled 128×128 kernels ({@code dense_forward_128}, {@code dense_backward_dw_128},
 * {@code dense_backward_dx_128}) and their 128×64 twins ({@code *_128x64}) against the CPU reference, on the host harness with the sanitizer
 * on: awkward sizes (1, 3, 17, 70, 130, 257, 1023, 4097), the 128-bit path (widths a multiple of 4,
 * aligned) and the element path (odd widths, or buffers one float off alignment), accumulation into
 * dW, and no write outside the outputs.
 */
class DenseWideTest {
  // batch, in, out
  private static final int[][] SIZES = {
    {1, 17, 3}, {3, 1023, 17}, {70, 17, 130}, {3, 4097, 5}, {130, 64, 257}, {129, 132, 20}, {1, 3, 4097}, {17, 256, 128},
  };

  @Test
  void theWideKernelsAgreeWithTheCpuReference() {
    Emulator.assumeBuilt();
    Random rnd = new Random(11);
    try (CudaBackend be = CudaBackend.emulated()) {
      java.util.List<String> launched = new java.util.ArrayList<>();
      DenseKernels dense = new DenseKernels(TestBufs.recording(be.device(), launched));
      dense.wideMinBlocks = 1;  // every product takes the wide kernels: 128×128, then 128×64 tiles
      for (int width : new int[] {128, 64}) {
        dense.wideN = width;
        launched.clear();
        for (int[] c : SIZES) {
          for (int offset : new int[] {0, 1}) {
            check(be, dense, rnd, c[0], c[1], c[2], offset, Activation.values()[(c[0] + c[1] + offset) % Activation.values().length]);
          }
        }
        String suffix = width == 128 ? "_128" : "_128x64";
        for (String k : new String[] {"dense_forward", "dense_backward_dw", "dense_backward_dx"}) {
          assertTrue(launched.contains(k + suffix), k + suffix + " among " + new java.util.TreeSet<>(launched));
        }
      }
    }
  }

  /** The same checks on a real GPU (tag gpu; skipped, with the reason, where none answers). */
  @Test
  @org.junit.jupiter.api.Tag("gpu")
  void theWideKernelsAgreeWithTheCpuReferenceOnAGpu() {
    Random rnd = new Random(11);
    try (CudaBackend be = RealGpu.backendOrSkip()) {
      DenseKernels dense = new DenseKernels(be.device());
      dense.wideMinBlocks = 1;
      for (int width : new int[] {128, 64}) {
        dense.wideN = width;
        for (int[] c : SIZES) {
          for (int offset : new int[] {0, 1}) {
            check(be, dense, rnd, c[0], c[1], c[2], offset, Activation.values()[(c[0] + c[1] + offset) % Activation.values().length]);
          }
        }
        check(be, dense, rnd, 1024, 1024, 1200, 0, Activation.RELU);  // a model-sized product on the 128-bit path
      }
    }
  }

  /**
   * The wide TF32 kernels ({@code *_tf32_wide}, 128×64 tiles) against products of TF32-rounded
   * operands summed in FP32, on the same sizes and offsets (both the 128-bit and the element path).
   * ReLU and identity only: their derivatives are 0 or 1, so rounding dA commutes with forming it.
   */
  @Test
  void theWideTf32KernelsAgreeWithRoundedOperands() {
    Emulator.assumeBuilt();
    try (CudaBackend be = CudaBackend.emulated()) {
      checkTf32Sizes(be);
    }
  }

  /** The same TF32 checks on a real GPU (tag gpu; skipped, with the reason, where none answers). */
  @Test
  @org.junit.jupiter.api.Tag("gpu")
  void theWideTf32KernelsAgreeWithRoundedOperandsOnAGpu() {
    try (CudaBackend be = RealGpu.backendOrSkip()) {
      checkTf32Sizes(be);
    }
  }

  /** {@link #check} on every size and offset, every product forced onto the 128×64 TF32 kernels. */
  private static void checkTf32Sizes(CudaBackend be) {
    Random rnd = new Random(12);
    DenseKernels dense = new DenseKernels(be.device());
    dense.tf32 = true;
    dense.tf32WideMinBlocks = 1;
    int c = 0;
    for (int[] size : SIZES) {
      for (int offset : new int[] {0, 1}) {
        check(be, dense, rnd, size[0], size[1], size[2], offset, c++ % 2 == 0 ? Activation.RELU : Activation.IDENTITY);
      }
    }
  }

  private static float[] rounded(float[] v) {
    float[] r = new float[v.length];
    for (int i = 0; i < v.length; i++) r[i] = io.github.betavae.backend.Precision.tf32(v[i]);
    return r;
  }

  @Test
  void theTableSendsOnlyLargeGridsToTheWideKernels() {
    DenseKernels dense = new DenseKernels(null);
    assertTrue(dense.wide(1024, 4096), "1024×4096: 256 tiles of 128×128");
    assertTrue(dense.wide(1200, 4096), "dW of Higgins' first layer: 10×32 tiles");
    assertFalse(dense.wide(64, 1200), "batch 64: 10 tiles, the 64×64 kernels with split-K");
    assertFalse(dense.wide(64, 4096), "batch 64: 32 tiles, the 64×64 kernels with split-K");
    assertTrue(dense.wide(1024, 1200), "80 tiles: measured faster on the 128×128 kernels");
    assertTrue(dense.wide(1200, 1200), "dW of a 1200→1200 layer: 100 tiles");
    assertFalse(dense.tf32Wide(64, 1200), "TF32 at batch 64: 19 tiles of 128×64");
    assertTrue(dense.tf32Wide(1024, 1200), "TF32 at batch 1024: 152 tiles of 128×64");
    assertEquals(4, DenseKernels.vec(256, 4, 4));
    assertEquals(0, DenseKernels.vec(260, 4, 4), "not 16-byte aligned");
    assertEquals(0, DenseKernels.vec(256, 17, 1), "rows not aligned");
  }

  /**
   * One forward and one backward at (batch, in, out), every buffer {@code offset} floats into a larger
   * one. Where {@code dense} runs TF32, the reference multiplies TF32-rounded operands (dA included).
   */
  private static void check(CudaBackend be, DenseKernels dense, Random rnd, int batch, int in, int out, int offset, Activation act) {
    String what = (dense.tf32 ? "tf32 " : "") + "B=" + batch + " IN=" + in + " OUT=" + out + " offset " + offset + " " + act;
    float bound = (float) (1 / Math.sqrt(in));
    float[] x = uniform(rnd, batch * in, 1), w = uniform(rnd, out * in, bound), b = uniform(rnd, out, bound);
    float[] xr = dense.tf32 ? rounded(x) : x, wr = dense.tf32 ? rounded(w) : w, y = new float[batch * out];
    NaiveOps.denseForward(y, 0, xr, 0, wr, 0, b, 0, batch, in, out, act);
    Buf X = put(be, x, offset), W = put(be, w, offset), B = put(be, b, offset), Y = put(be, new float[y.length], offset);
    dense.forward(Y, X, W, B, batch, in, out, act);
    Parity.assertClose(what + " forward", y, get(be, Y, y.length, offset), 1e-5);

    float[] dy = uniform(rnd, batch * out, 1), dw0 = uniform(rnd, out * in, 1);
    float[] dx = new float[batch * in], dw = dw0.clone(), db = new float[out], dA = dense.tf32 ? rounded(dy) : dy.clone();
    NaiveOps.denseBackward(dx, 0, dw, 0, db, 0, dA, 0, y, 0, xr, 0, wr, 0, batch, in, out, act);
    Buf DY = put(be, dy, offset), DW = put(be, dw0, offset), DB = put(be, new float[out], offset);
    Buf DX = put(be, new float[dx.length], offset), Yc = put(be, y, offset);
    dense.backward(DX, DW, DB, DY, Yc, X, W, batch, in, out, act);
    Parity.assertClose(what + " dx", dx, get(be, DX, dx.length, offset), 1e-5);
    Parity.assertClose(what + " dW (accumulated)", dw, get(be, DW, dw.length, offset), 1e-5);
  }

  /** {@code v} in a buffer of v.length + 2·offset + 2, at {@code offset + 1}, guarded by sentinels. */
  private static Buf put(CudaBackend be, float[] v, int offset) {
    float[] all = new float[v.length + 2 * offset + 8];
    Arrays.fill(all, 1234.5f);
    System.arraycopy(v, 0, all, 4 + offset, v.length);
    Buf whole = be.alloc(all.length);
    be.write(whole, all);
    return be.slice(whole, 4 + offset, v.length);
  }

  /** The values of a buffer made by {@link #put}, after checking its sentinels are untouched. */
  private static float[] get(CudaBackend be, Buf view, int n, int offset) {
    CudaBuf c = (CudaBuf) view;
    Buf whole = new CudaBuf(c.address() - 4L * (4 + offset), n + 2L * offset + 8);
    float[] all = new float[n + 2 * offset + 8];
    be.read(whole, all);
    for (int i = 0; i < 4 + offset; i++) assertEquals(1234.5f, all[i], "wrote before the buffer at " + i);
    for (int i = 4 + offset + n; i < all.length; i++) assertEquals(1234.5f, all[i], "wrote past the buffer at " + i);
    return Arrays.copyOfRange(all, 4 + offset, 4 + offset + n);
  }

  private static float[] uniform(Random rnd, int n, float bound) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = bound * (2 * rnd.nextFloat() - 1);
    return a;
  }
}
