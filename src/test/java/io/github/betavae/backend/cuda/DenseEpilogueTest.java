package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cpu.NaiveOps;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * dense_bias_act, the bias + activation epilogue that runs after cuBLAS: on the host harness,
 * a y holding x·wᵀ (computed here on the CPU, as cuBLAS would on a GPU) must become what the CPU
 * reference's full forward pass gives, for every activation, at sizes that are not multiples of
 * the 256-thread block.
 */
class DenseEpilogueTest {

  @Test
  void matchesTheCpuForwardPass() {
    Emulator.assumeBuilt();
    int[][] sizes = {{1, 5, 1}, {3, 7, 17}, {17, 4, 15}, {70, 3, 130}, {1, 2, 257}, {2, 9, 255}};  // batch, in, out
    Random rnd = new Random(7);
    try (CudaBackend be = CudaBackend.emulated()) {
      DenseKernels dense = new DenseKernels(be.device());
      for (int c = 0; c < sizes.length; c++) {
        int batch = sizes[c][0], in = sizes[c][1], out = sizes[c][2];
        for (Activation act : Activation.values()) {
          float[] x = uniform(rnd, batch * in), w = uniform(rnd, out * in), b = uniform(rnd, out);
          float[] expected = new float[batch * out];
          NaiveOps.denseForward(expected, 0, x, 0, w, 0, b, 0, batch, in, out, act);
          // The product alone: the reference with a zero bias and no activation.
          float[] product = new float[batch * out];
          NaiveOps.denseForward(product, 0, x, 0, w, 0, new float[out], 0, batch, in, out, Activation.IDENTITY);

          Buf y = be.alloc(product.length), bias = be.alloc(out);
          be.write(y, product);
          be.write(bias, b);
          // Guard words around y: the kernel must write exactly B·OUT elements.
          Buf padded = be.alloc(product.length + 2);
          float[] guard = new float[product.length + 2];
          guard[0] = 42f;
          guard[guard.length - 1] = -42f;
          System.arraycopy(product, 0, guard, 1, product.length);
          be.write(padded, guard);
          dense.epilogue((CudaBuf) y, (CudaBuf) bias, batch, out, act);
          dense.epilogue((CudaBuf) be.slice(padded, 1, product.length), (CudaBuf) bias, batch, out, act);
          float[] got = new float[product.length], gotPadded = new float[guard.length];
          be.read(y, got);
          be.read(padded, gotPadded);
          String what = act + " batch " + batch + ", out " + out;
          Parity.assertClose(what, expected, got, 1e-5);
          Parity.assertClose(what + " (guarded)", expected, Arrays.copyOfRange(gotPadded, 1, guard.length - 1), 1e-5);
          assertEquals(42f, gotPadded[0], what + ": wrote before y");
          assertEquals(-42f, gotPadded[guard.length - 1], what + ": wrote past y");
        }
      }
    }
  }

  private static float[] uniform(Random rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = 2 * rnd.nextFloat() - 1;
    return a;
  }
}
