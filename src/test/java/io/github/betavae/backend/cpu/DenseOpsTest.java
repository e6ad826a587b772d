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
}
