package io.github.betavae.backend.cuda;

import static io.github.betavae.backend.cuda.TestBufs.get;
import static io.github.betavae.backend.cuda.TestBufs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A dense backward told not to accumulate writes dw and db: on the host harness, every weight-gradient
 * kernel gives the bits of a zero fill followed by accumulating, into a gradient that held NaN (so
 * nothing of it was read), and the CUDA engine says it fuses the zeroing so that a step skips the fill.
 */
class GradientWriteTest {

  @Test
  void everyWeightGradientKernelWritesTheBitsOfZeroThenAccumulate() {
    Emulator.assumeBuilt();
    Random rnd = new Random(11);
    try (CudaBackend be = CudaBackend.emulated()) {
      assertTrue(be.fusesGradientZeroing());
      List<String> launched = new ArrayList<>();
      Device recording = TestBufs.recording(be.device(), launched);
      DenseKernels dense = new DenseKernels(recording);
      // batch, in, out, precision, tiles (0 the table, 64, 128), and the weight-gradient kernel expected
      Object[][] cases = {
        {17, 70, 33, Precision.FP32, 64, "dense_backward_dw"},
        {1100, 20, 3, Precision.FP32, 64, "dense_backward_dw_sum"},
        {70, 132, 260, Precision.FP32, 128, "dense_backward_dw_128"},
        {70, 131, 257, Precision.FP32, 128, "dense_backward_dw_128"},
        {17, 70, 33, Precision.TF32, 64, "dense_backward_dw_tf32"},
        {70, 132, 260, Precision.TF32, 128, "dense_backward_dw_tf32_wide"},
      };
      for (Object[] c : cases) {
        int b = (Integer) c[0], in = (Integer) c[1], out = (Integer) c[2], tiles = (Integer) c[4];
        String at = "B=" + b + " IN=" + in + " OUT=" + out + " " + c[3] + " tiles " + tiles;
        dense.tf32 = c[3] == Precision.TF32;
        dense.wideMinBlocks = tiles == 64 ? Integer.MAX_VALUE : 1;
        dense.tf32WideMinBlocks = tiles == 64 ? Integer.MAX_VALUE : 1;
        float[] x = uniform(rnd, b * in), w = uniform(rnd, out * in), y = uniform(rnd, b * out), dy = uniform(rnd, b * out);
        Buf X = put(be, x), W = put(be, w), Y = put(be, y);
        float[][] dw = new float[2][], db = new float[2][];
        for (int accumulate = 0; accumulate <= 1; accumulate++) {
          float[] before = new float[out * in], beforeB = new float[out];
          Arrays.fill(before, accumulate == 1 ? 0f : Float.NaN);
          Arrays.fill(beforeB, accumulate == 1 ? 0f : Float.NaN);
          Buf DW = put(be, before), DB = put(be, beforeB), DY = put(be, dy);
          launched.clear();
          dense.backward(null, DW, DB, DY, Y, X, W, b, in, out, Activation.TANH, accumulate == 1);
          assertTrue(launched.contains(c[5]), at + ": expected " + c[5] + " among " + launched);
          dw[accumulate] = get(be, DW, out * in);
          db[accumulate] = get(be, DB, out);
        }
        for (int i = 0; i < dw[0].length; i++) {
          assertEquals(Float.floatToRawIntBits(dw[1][i]), Float.floatToRawIntBits(dw[0][i]), at + ": dw[" + i + "]");
        }
        for (int i = 0; i < db[0].length; i++) {
          assertEquals(Float.floatToRawIntBits(db[1][i]), Float.floatToRawIntBits(db[0][i]), at + ": db[" + i + "]");
        }
      }
    }
  }

  private static float[] uniform(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 2 - 1;
    return v;
  }
}
