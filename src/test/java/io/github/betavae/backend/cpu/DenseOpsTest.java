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
   * Sparse inputs (binary, and other values, up to the 1/8 threshold) take the nonzero-only forward
   * and weight gradient; they must give the dense path's bits, for any thread count, on top of an
   * existing gradient. Just above the threshold the dense path runs.
   */
  @Test
  void sparseInputsGiveTheDensePathsBits() {
    Random r = new Random(51);
    int[][] shapes = {{64, 4096, 1200}, {1, 64, 64}, {3, 65, 70}, {17, 1023, 129}, {70, 100, 257}, {256, 300, 64}};
    double[] densities = {0, 0.01, 0.04, 0.12};
    try (WorkerPool one = new WorkerPool(1, "dense"); WorkerPool three = new WorkerPool(3, "sparse")) {
      DenseOps dense = new DenseOps(one), sparse = new DenseOps(three);
      dense.sparseInputs = false;
      for (int[] s : shapes) {
        int b = s[0], in = s[1], out = s[2];
        float[] w = Ops.gaussian(r, out * in, 0.3), bias = Ops.gaussian(r, out, 0.1);
        float[] dy = Ops.gaussian(r, b * out, 1), dw0 = Ops.gaussian(r, out * in, 0.1), db0 = Ops.gaussian(r, out, 0.1);
        for (double p : densities) {
          for (boolean binary : new boolean[] {true, false}) {
            float[] x = new float[b * in];
            int nonzero = (int) Math.round(p * x.length);
            for (int e = 0; e < nonzero; e++) x[r.nextInt(x.length)] = binary ? 1f : (float) r.nextGaussian();
            Activation act = binary ? Activation.RELU : Activation.TANH;
            String what = act + " (B,IN,OUT)=(" + b + "," + in + "," + out + ") density " + p + (binary ? " binary" : "");
            long before = sparse.sparseProducts;
            float[] y1 = new float[b * out], y2 = new float[b * out];
            dense.forward(y1, 0, x, 0, w, 0, bias, 0, b, in, out, act);
            sparse.forward(y2, 0, x, 0, w, 0, bias, 0, b, in, out, act);
            assertBitsEqual("forward " + what, y1, y2);
            float[] dx1 = new float[b * in], dx2 = new float[b * in], dw1 = dw0.clone(), dw2 = dw0.clone();
            float[] db1 = db0.clone(), db2 = db0.clone(), dy1 = dy.clone(), dy2 = dy.clone();
            dense.backward(dx1, 0, dw1, 0, db1, 0, dy1, 0, y1, 0, x, 0, w, 0, b, in, out, act);
            sparse.backward(dx2, 0, dw2, 0, db2, 0, dy2, 0, y1, 0, x, 0, w, 0, b, in, out, act);
            assertBitsEqual("backward dx " + what, dx1, dx2);
            assertBitsEqual("backward dw " + what, dw1, dw2);
            assertBitsEqual("backward db " + what, db1, db2);
            org.junit.jupiter.api.Assertions.assertEquals(before + 2, sparse.sparseProducts, "sparse path not taken: " + what);
          }
        }
        // just over the threshold: dense
        float[] x = new float[b * in];
        for (int e = 0; e <= x.length / DenseOps.SPARSE_FRACTION; e++) x[e] = 1f;
        long before = sparse.sparseProducts;
        sparse.forward(new float[b * out], 0, x, 0, w, 0, bias, 0, b, in, out, Activation.RELU);
        org.junit.jupiter.api.Assertions.assertEquals(before, sparse.sparseProducts, "dense input took the sparse path");
      }
      org.junit.jupiter.api.Assertions.assertEquals(0, dense.sparseProducts);
    }
  }

  /**
   * A backward that writes dw and db (the train step's, which zeroes nothing first) gives the bits of
   * zeroing them and accumulating, on every weight-gradient path (blocked, transposed for narrow
   * inputs, sparse inputs, a batch of 0, a batch of several depth panels), whatever the buffers held
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
        for (boolean sparseX : new boolean[] {false, true}) {
          float[] x = sparseX ? new float[b * in] : Ops.gaussian(r, b * in, 1);
          if (sparseX) for (int e = 0; e < x.length / 50; e++) x[r.nextInt(x.length)] = 1f;
          float[] w = Ops.gaussian(r, out * in, 0.3), dy = Ops.gaussian(r, b * out, 1);
          float[] dw1 = new float[out * in], db1 = new float[out], dw2 = new float[out * in], db2 = new float[out];
          java.util.Arrays.fill(dw2, Float.NaN);
          java.util.Arrays.fill(db2, Float.NaN);
          long before = ops.sparseProducts;
          ops.backward(null, 0, dw1, 0, db1, 0, dy.clone(), 0, new float[b * out], 0, x, 0, w, 0, b, in, out, Activation.IDENTITY);
          boolean sparsePath = ops.sparseProducts > before;
          ops.backward(null, 0, dw2, 0, db2, 0, dy.clone(), 0, new float[b * out], 0, x, 0, w, 0, b, in, out, Activation.IDENTITY, false);
          String what = "(B,IN,OUT)=(" + b + "," + in + "," + out + ")" + (sparseX ? " sparse x" : "");
          assertBitsEqual("dw " + what, dw1, dw2);
          assertBitsEqual("db " + what, db1, db2);
          if (sparseX && b > 0 && b <= Gemm.NC && in >= 64) org.junit.jupiter.api.Assertions.assertTrue(sparsePath, "sparse path not taken: " + what);
        }
      }
    }
  }
}
