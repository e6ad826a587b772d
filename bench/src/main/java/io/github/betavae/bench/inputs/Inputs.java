package io.github.betavae.bench.inputs;

import java.util.SplittableRandom;

/**
 * Deterministic benchmark inputs, so every fork, engine and device sees the same numbers for the same
 * seed. Its own package, so both the CPU-peer build and the lean GPU build (-Pgpu) compile it.
 */
public final class Inputs {
  private Inputs() {}

  /** n floats uniform in [-scale, scale). */
  public static float[] uniform(long n, float scale, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[Math.toIntExact(n)];
    for (int i = 0; i < a.length; i++) a[i] = (float) ((2 * r.nextDouble() - 1) * scale);
    return a;
  }

  /** n values in {0, 1}, each 1 with probability p: stands in for binarised images. */
  public static float[] binary(long n, double p, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[Math.toIntExact(n)];
    for (int i = 0; i < a.length; i++) a[i] = r.nextDouble() < p ? 1f : 0f;
    return a;
  }

  /**
   * A batch of real dSprites images (the built-in dataset, rows drawn uniformly with this seed),
   * flattened: about 4% of pixels are 1, the rest 0.
   */
  public static float[] dsprites(int batch, long seed) {
    io.github.betavae.data.DSprites d = new io.github.betavae.data.DSprites();
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[batch * d.features()];
    for (int i = 0; i < batch; i++) d.copy(r.nextInt(d.size()), a, i * d.features());
    return a;
  }

  /** n bytes in {0, 1}, each 1 with probability p: a uint8 image dataset as dSprites stores it. */
  public static byte[] binaryBytes(long n, double p, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] a = new byte[Math.toIntExact(n)];
    for (int i = 0; i < a.length; i++) a[i] = r.nextDouble() < p ? (byte) 1 : (byte) 0;
    return a;
  }

  /** n row indices drawn uniformly from [0, rows). */
  public static int[] rows(int n, int rows, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = r.nextInt(rows);
    return a;
  }
}
