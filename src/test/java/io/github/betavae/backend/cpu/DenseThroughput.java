package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import java.util.Random;

/**
 * A quick throughput probe for the dense layer at the default network's shapes (not a test; run by
 * hand): {@code java -cp target/classes:target/test-classes io.github.betavae.backend.cpu.DenseThroughput
 * [threads...] [--batch B] [--seconds S]}. Prints GFLOP/s of the forward product, the backward
 * without input gradient (weight and bias gradients) and the whole backward, best of five rounds.
 * Timings on a machine shared with other work vary; the best round is the least disturbed.
 */
public final class DenseThroughput {
  private static final int[][] SHAPES = {{4096, 1200}, {1200, 1200}, {1200, 20}, {10, 1200}, {1200, 4096}};

  private DenseThroughput() {}

  public static void main(String[] args) {
    int batch = 64;
    double seconds = 0.3;
    java.util.List<Integer> threadCounts = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--batch")) batch = Integer.parseInt(args[++i]);
      else if (args[i].equals("--seconds")) seconds = Double.parseDouble(args[++i]);
      else threadCounts.add(Integer.parseInt(args[i]));
    }
    if (threadCounts.isEmpty()) threadCounts = java.util.List.of(1, 2);
    for (int threads : threadCounts) {
      try (CpuBackend be = new CpuBackend(threads)) {
        System.out.printf("threads=%d batch=%d, %s%n", threads, batch, be.gemmPath());
        for (int[] s : SHAPES) run(be, batch, s[0], s[1], seconds);
      }
    }
  }

  private static void run(CpuBackend be, int batch, int in, int out, double seconds) {
    Random r = new Random(42);
    Buf x = buf(be, batch * in, r), w = buf(be, out * in, r), b = buf(be, out, r);
    Buf y = be.alloc((long) batch * out), dy = buf(be, batch * out, r);
    Buf dx = be.alloc((long) batch * in), dw = be.alloc((long) out * in), db = be.alloc(out);
    double flops = 2.0 * batch * in * out;
    double fwd = best(() -> be.denseForward(y, x, w, b, batch, in, out, Activation.IDENTITY), seconds);
    double bwdW = best(() -> be.denseBackward(null, dw, db, dy, y, x, w, batch, in, out, Activation.IDENTITY), seconds);
    double bwd = best(() -> be.denseBackward(dx, dw, db, dy, y, x, w, batch, in, out, Activation.IDENTITY), seconds);
    System.out.printf("  (in=%4d, out=%4d)  forward %6.1f GFLOP/s   dW+db %6.1f GFLOP/s   dx+dW+db %6.1f GFLOP/s%n",
        in, out, flops / fwd * 1e-9, flops / bwdW * 1e-9, 2 * flops / bwd * 1e-9);
  }

  private static Buf buf(CpuBackend be, int n, Random r) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * 0.1f;
    Buf b = be.alloc(n);
    be.write(b, a);
    return b;
  }

  /** Best seconds per call over five rounds of about {@code seconds / 5} each, after a warm-up. */
  private static double best(Runnable op, double seconds) {
    long end = System.nanoTime() + (long) (seconds * 0.5e9);
    while (System.nanoTime() < end) op.run();
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      int n = 0;
      long t0 = System.nanoTime(), stop = t0 + (long) (seconds / 5 * 1e9);
      long t;
      do {
        op.run();
        n++;
      } while ((t = System.nanoTime()) < stop);
      best = Math.min(best, (t - t0) * 1e-9 / n);
    }
    return best;
  }
}
