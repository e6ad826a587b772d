package io.github.betavae.backend.cuda;

import static io.github.betavae.backend.cuda.TestBufs.get;
import static io.github.betavae.backend.cuda.TestBufs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The split-K decision; the parity suite runs both paths (see CudaBackendContract.DENSE_SIZES). */
class DenseKernelsTest {

  @Test
  void splitsOnlyLongSumsOverFewTiles() {
    assertEquals(17, DenseKernels.kChunk(3, 1023, 17), "short K is never split");
    assertEquals(511, DenseKernels.kChunk(3, 17, 511), "K < 2·256 is never split");
    assertEquals(352, DenseKernels.kChunk(3, 17, 1023), "K = 1023 over one tile: 3 chunks of 352");
    assertEquals(4096, DenseKernels.kChunk(1024, 1024, 4096), "256 tiles already fill the GPU");
    // Higgins' first encoder layer at batch 64: 19 tiles, K = 4096 → 14 chunks of 304
    assertEquals(304, DenseKernels.kChunk(64, 1200, 4096));
  }

  @Test
  void chunksAreTileAlignedAndNoneIsEmpty() {
    int[][] cases = {{3, 17, 4097}, {1, 3, 4097}, {1, 1, 100_000}, {64, 1200, 1200}, {70, 130, 600}};
    for (int[] c : cases) {
      int k = c[2];
      int chunk = DenseKernels.kChunk(c[0], c[1], k);
      assertTrue(chunk < k, "case " + java.util.Arrays.toString(c) + " should split");
      assertEquals(0, chunk % 16, "chunk " + chunk + " is a multiple of the K step");
      int splits = (k + chunk - 1) / chunk;
      assertTrue((long) (splits - 1) * chunk < k, "last of " + splits + " chunks of " + chunk + " is empty for K=" + k);
      assertTrue(splits <= DenseKernels.MAX_SPLITS, "splits " + splits);
    }
  }

  /**
   * {@code --precision tf32} splits the forward's and the input gradient's K sums where FP32 does
   * ({@code *_tf32_partial} + the FP32 {@code *_sum}), keeps whole sums elsewhere, and agrees with the
   * CPU engine's TF32 mode within 1e-5 either way (on the host harness).
   */
  @Test
  void tf32SplitsTheSumsFp32Splits() {
    Emulator.assumeBuilt();
    Random rnd = new Random(5);
    try (CudaBackend be = CudaBackend.emulated(); CpuBackend cpu = new CpuBackend(1)) {
      List<String> launched = new ArrayList<>();
      Device recording = TestBufs.recording(be.device(), launched);
      DenseKernels dense = new DenseKernels(recording);
      dense.tf32 = true;
      cpu.precision(io.github.betavae.backend.Precision.TF32);
      // batch, in, out, then the kernels the forward and the input gradient launch
      Object[][] cases = {
        {3, 1023, 17, List.of("dense_forward_tf32_partial", "dense_forward_sum"), List.of("dense_backward_dx_tf32")},
        {3, 17, 1023, List.of("dense_forward_tf32"), List.of("dense_backward_dx_tf32_partial", "dense_backward_dx_sum")},
        {70, 600, 130, List.of("dense_forward_tf32_partial", "dense_forward_sum"), List.of("dense_backward_dx_tf32")},
      };
      for (Object[] c : cases) {
        int b = (Integer) c[0], in = (Integer) c[1], out = (Integer) c[2];
        String at = "B=" + b + " IN=" + in + " OUT=" + out;
        float[] x = uniform(rnd, b * in), w = uniform(rnd, out * in), bias = uniform(rnd, out), dy = uniform(rnd, b * out);
        Buf[] gx = {put(be, x), put(cpu, x)}, gw = {put(be, w), put(cpu, w)}, gb = {put(be, bias), put(cpu, bias)};
        Buf[] gy = {be.alloc(b * out), cpu.alloc(b * out)};
        launched.clear();
        dense.forward(gy[0], gx[0], gw[0], gb[0], b, in, out, Activation.IDENTITY);
        assertEquals(c[3], launched, at + " forward");
        cpu.denseForward(gy[1], gx[1], gw[1], gb[1], b, in, out, Activation.IDENTITY);
        Parity.assertClose("tf32 forward " + at, get(cpu, gy[1], b * out), get(be, gy[0], b * out), 1e-5);
        Buf[] gdy = {put(be, dy), put(cpu, dy)}, gdw = {be.alloc(out * in), cpu.alloc(out * in)};
        Buf[] gdb = {be.alloc(out), cpu.alloc(out)}, gdx = {be.alloc(b * in), cpu.alloc(b * in)};
        launched.clear();
        dense.backward(gdx[0], gdw[0], gdb[0], gdy[0], gy[0], gx[0], gw[0], b, in, out, Activation.IDENTITY);
        List<String> expected = new ArrayList<>(List.of("dense_bias_grad", "dense_backward_dw_tf32"));
        expected.addAll(asStrings(c[4]));
        assertEquals(expected, launched, at + " backward");
        cpu.denseBackward(gdx[1], gdw[1], gdb[1], gdy[1], gy[1], gx[1], gw[1], b, in, out, Activation.IDENTITY);
        Parity.assertClose("tf32 dx " + at, get(cpu, gdx[1], b * in), get(be, gdx[0], b * in), 1e-5);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> asStrings(Object o) {
    return (List<String>) o;
  }

  private static float[] uniform(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 2 - 1;
    return v;
  }
}
