package io.github.betavae.backend.cpu;

import static io.github.betavae.testing.Compare.assertBitsEqual;

import io.github.betavae.backend.Activation;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Narrow products run transposed, and a forward of at most 256 samples by rows of w; both
 * orientations take each element's products in the same order, so they must agree bit for bit. The shapes are those of the default network's narrow layers
 * and a few more with fewer than 64 output columns.
 */
class DenseOpsTest {

  @Test
  void transposedNarrowProductsGiveTheSameBits() {
    Random r = new Random(50);
    int[][] shapes = {{64, 1200, 20}, {64, 10, 1200}, {100, 7, 300}, {300, 20, 10}, {70, 63, 5}, {300, 5, 63},
        {64, 300, 1200}, {17, 260, 417}, {256, 33, 70}, {1, 9, 100}};  // the last four: forward by rows of w
    try (WorkerPool pool = new WorkerPool(2, "test")) {
      DenseOps plain = new DenseOps(pool), flipped = new DenseOps(pool);
      plain.transposeNarrow = false;
      plain.forwardByWeightRows = false;
      for (int[] s : shapes) {
        int b = s[0], in = s[1], out = s[2];
        float[] x = Ops.gaussian(r, b * in, 1), w = Ops.gaussian(r, out * in, 0.3), bias = Ops.gaussian(r, out, 0.1);
        float[] dy = Ops.gaussian(r, b * out, 1), dw0 = Ops.gaussian(r, out * in, 0.1), db0 = Ops.gaussian(r, out, 0.1);
        for (Activation act : Activation.values()) {
          String what = act + " (B,IN,OUT)=(" + b + "," + in + "," + out + ")";
          float[] y1 = new float[b * out], y2 = new float[b * out];
          plain.forward(y1, 0, x, 0, w, 0, bias, 0, b, in, out, act);
          flipped.forward(y2, 0, x, 0, w, 0, bias, 0, b, in, out, act);
          assertBitsEqual("forward " + what, y1, y2);
          float[] dx1 = new float[b * in], dx2 = new float[b * in], dw1 = dw0.clone(), dw2 = dw0.clone();
          float[] db1 = db0.clone(), db2 = db0.clone(), dy1 = dy.clone(), dy2 = dy.clone();
          plain.backward(dx1, 0, dw1, 0, db1, 0, dy1, 0, y1, 0, x, 0, w, 0, b, in, out, act);
          flipped.backward(dx2, 0, dw2, 0, db2, 0, dy2, 0, y1, 0, x, 0, w, 0, b, in, out, act);
          assertBitsEqual("backward dx " + what, dx1, dx2);
          assertBitsEqual("backward dw " + what, dw1, dw2);
          assertBitsEqual("backward db " + what, db1, db2);
        }
      }
    }
  }

  /**
   * Inputs whose columns are zero in every sample of the batch (up to the 75% threshold of live
   * columns; binary and other values; live columns scattered or in one band; some zeros within them
   * too) take the compacted forward and weight gradient; they must give the dense path's bits, for
   * any thread count, on top of an existing gradient, in FP32 and TF32. Just over the threshold the
   * dense path runs.
   */
  @Test
  void deadInputColumnsGiveTheDensePathsBits() {
    Random r = new Random(51);
    int[][] shapes = {{64, 4096, 1200}, {1, 64, 64}, {3, 65, 70}, {17, 1023, 129}, {70, 100, 257}, {256, 300, 64},
        {254, 130, 70}};
    double[] liveFractions = {0, 0.01, 0.3, 0.75};
    try (WorkerPool one = new WorkerPool(1, "dense"); WorkerPool three = new WorkerPool(3, "compact")) {
      DenseOps dense = new DenseOps(one), compact = new DenseOps(three);
      dense.compactInputs = false;
      for (int[] s : shapes) {
        int b = s[0], in = s[1], out = s[2];
        float[] w = Ops.gaussian(r, out * in, 0.3), bias = Ops.gaussian(r, out, 0.1);
        float[] dy = Ops.gaussian(r, b * out, 1), dw0 = Ops.gaussian(r, out * in, 0.1), db0 = Ops.gaussian(r, out, 0.1);
        for (double p : liveFractions) {
          for (int variant = 0; variant < 3; variant++) {
            boolean binary = variant != 1, band = variant == 2, tf32 = variant == 1;
            int live = (int) (p * in);
            boolean[] isLive = new boolean[in];
            if (band) {
              int from = r.nextInt(in - live + 1);
              java.util.Arrays.fill(isLive, from, from + live, true);
            } else {
              for (int c = 0; c < live; ) {
                int k = r.nextInt(in);
                if (!isLive[k]) { isLive[k] = true; c++; }
              }
            }
            float[] x = new float[b * in];
            for (int e = 0; e < x.length; e++) {
              if (isLive[e % in] && r.nextInt(3) > 0) x[e] = binary ? 1f : (float) r.nextGaussian();
            }
            Activation act = binary ? Activation.RELU : Activation.TANH;
            String what = act + " (B,IN,OUT)=(" + b + "," + in + "," + out + ") live " + p + (binary ? " binary" : "")
                + (band ? " band" : "") + (tf32 ? " tf32" : "");
            dense.tf32 = compact.tf32 = tf32;
            long before = compact.compactProducts;
            float[] y1 = new float[b * out], y2 = new float[b * out];
            dense.forward(y1, 0, x, 0, w, 0, bias, 0, b, in, out, act);
            compact.forward(y2, 0, x, 0, w, 0, bias, 0, b, in, out, act);
            assertBitsEqual("forward " + what, y1, y2);
            float[] dx1 = new float[b * in], dx2 = new float[b * in], dw1 = dw0.clone(), dw2 = dw0.clone();
            float[] db1 = db0.clone(), db2 = db0.clone(), dy1 = dy.clone(), dy2 = dy.clone();
            dense.backward(dx1, 0, dw1, 0, db1, 0, dy1, 0, y1, 0, x, 0, w, 0, b, in, out, act);
            compact.backward(dx2, 0, dw2, 0, db2, 0, dy2, 0, y1, 0, x, 0, w, 0, b, in, out, act);
            assertBitsEqual("backward dx " + what, dx1, dx2);
            assertBitsEqual("backward dw " + what, dw1, dw2);
            assertBitsEqual("backward db " + what, db1, db2);
            org.junit.jupiter.api.Assertions.assertEquals(before + 2, compact.compactProducts, "compacted path not taken: " + what);
          }
        }
        dense.tf32 = compact.tf32 = false;
        // just over the threshold: dense
        float[] x = new float[b * in];
        for (int k = 0; k <= in * DenseOps.LIVE_PERCENT / 100; k++) x[(k % b) * in + k] = 1f;
        long before = compact.compactProducts;
        compact.forward(new float[b * out], 0, x, 0, w, 0, bias, 0, b, in, out, Activation.RELU);
        org.junit.jupiter.api.Assertions.assertEquals(before, compact.compactProducts, "dense input took the compacted path");
      }
      org.junit.jupiter.api.Assertions.assertEquals(0, dense.compactProducts);
    }
  }

  /**
   * The vector kernel's layer (six-row tiles, dA's panels padded to whole tiles where four or five
   * rows are left over, dead-column compaction) against the plain kernel's, which has none of those:
   * the same bits for every product, at batches whose last tile is partial in every way (64 = ten
   * tiles and four rows, 17 and 10, a batch over 256 swept in two chunks) and on top of an existing
   * gradient.
   */
  @Test
  void vectorAndPlainKernelsGiveTheSameBits() {
    org.junit.jupiter.api.Assumptions.assumeTrue(GemmPath.vectorAvailable(), "Vector API module absent");
    Random r = new Random(53);
    int[][] shapes = {{64, 1200, 300}, {64, 300, 1200}, {17, 200, 70}, {10, 130, 64}, {3, 70, 90}, {300, 70, 100},
        {64, 4096, 64}};
    try (WorkerPool pool = new WorkerPool(2, "kernels")) {
      DenseOps vector = new DenseOps(pool, GemmPath.kernel(true)), plain = new DenseOps(pool, GemmPath.PLAIN);
      for (int[] s : shapes) {
        int b = s[0], in = s[1], out = s[2];
        float[] x = Ops.gaussian(r, b * in, 1), w = Ops.gaussian(r, out * in, 0.3), bias = Ops.gaussian(r, out, 0.1);
        if (in == 4096) for (int e = 0; e < x.length; e++) if (e % in >= 1000) x[e] = 0f; // dead columns
        float[] dy = Ops.gaussian(r, b * out, 1), dw0 = Ops.gaussian(r, out * in, 0.1), db0 = Ops.gaussian(r, out, 0.1);
        for (Activation act : new Activation[] {Activation.RELU, Activation.TANH}) {
          String what = act + " (B,IN,OUT)=(" + b + "," + in + "," + out + ")";
          float[] y1 = new float[b * out], y2 = new float[b * out];
          plain.forward(y1, 0, x, 0, w, 0, bias, 0, b, in, out, act);
          vector.forward(y2, 0, x, 0, w, 0, bias, 0, b, in, out, act);
          assertBitsEqual("forward " + what, y1, y2);
          float[] dx1 = new float[b * in], dx2 = new float[b * in], dw1 = dw0.clone(), dw2 = dw0.clone();
          float[] db1 = db0.clone(), db2 = db0.clone(), dy1 = dy.clone(), dy2 = dy.clone();
          plain.backward(dx1, 0, dw1, 0, db1, 0, dy1, 0, y1, 0, x, 0, w, 0, b, in, out, act);
          vector.backward(dx2, 0, dw2, 0, db2, 0, dy2, 0, y1, 0, x, 0, w, 0, b, in, out, act);
          assertBitsEqual("backward dx " + what, dx1, dx2);
          assertBitsEqual("backward dw " + what, dw1, dw2);
          assertBitsEqual("backward db " + what, db1, db2);
        }
      }
    }
  }

  /**
   * A backward that writes dw and db (the train step's, which zeroes nothing first) gives the bits of
   * zeroing them and accumulating, on every weight-gradient path (blocked, transposed for narrow
   * inputs, compacted for dead input columns (all of them dead too), a batch of 0, a batch of several depth panels), whatever the buffers held
   * before: here NaN.
   */
  @Test
  void writingTheGradientEqualsZeroingThenAccumulating() {
    Random r = new Random(52);
    int[][] shapes = {{64, 1200, 300}, {64, 10, 1200}, {300, 20, 70}, {70, 300, 257}, {0, 64, 70}, {3, 4096, 64}, {520, 70, 90}};
    try (WorkerPool pool = new WorkerPool(2, "write")) {
      DenseOps ops = new DenseOps(pool);
      for (int[] s : shapes) {
        int b = s[0], in = s[1], out = s[2];
        for (int kind = 0; kind < 3; kind++) {
          boolean sparseX = kind > 0; // x zero in two thirds of its columns (kind 1) or in all (kind 2)
          float[] x = sparseX ? new float[b * in] : Ops.gaussian(r, b * in, 1);
          if (kind == 1) for (int e = 0; e < x.length; e++) if (e % in % 3 == 1 && r.nextBoolean()) x[e] = 1f;
          float[] w = Ops.gaussian(r, out * in, 0.3), dy = Ops.gaussian(r, b * out, 1);
          float[] dw1 = new float[out * in], db1 = new float[out], dw2 = new float[out * in], db2 = new float[out];
          java.util.Arrays.fill(dw2, Float.NaN);
          java.util.Arrays.fill(db2, Float.NaN);
          long before = ops.compactProducts;
          ops.backward(null, 0, dw1, 0, db1, 0, dy.clone(), 0, new float[b * out], 0, x, 0, w, 0, b, in, out, Activation.IDENTITY);
          boolean compacted = ops.compactProducts > before;
          ops.backward(null, 0, dw2, 0, db2, 0, dy.clone(), 0, new float[b * out], 0, x, 0, w, 0, b, in, out, Activation.IDENTITY, false);
          String what = "(B,IN,OUT)=(" + b + "," + in + "," + out + ")" + (kind == 1 ? " dead columns" : kind == 2 ? " zero x" : "");
          assertBitsEqual("dw " + what, dw1, dw2);
          assertBitsEqual("db " + what, db1, db2);
          if (sparseX && b > 0 && b <= Gemm.NC && in >= 64) org.junit.jupiter.api.Assertions.assertTrue(compacted, "compacted path not taken: " + what);
        }
      }
    }
  }
}
