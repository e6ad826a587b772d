package io.github.betavae.bench;

import java.util.SplittableRandom;

/** Deterministic benchmark inputs, so every fork and every engine sees the same numbers. */
final class Fill {
  private Fill() {}

  /** n floats uniform in [-scale, scale), from a fixed seed. */
  static float[] uniform(long n, float scale, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[Math.toIntExact(n)];
    for (int i = 0; i < a.length; i++) a[i] = (float) ((2 * r.nextDouble() - 1) * scale);
    return a;
  }

  /** n values in {0, 1}, each 1 with probability p: stands in for binarised images. */
  static float[] binary(long n, double p, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[Math.toIntExact(n)];
    for (int i = 0; i < a.length; i++) a[i] = r.nextDouble() < p ? 1f : 0f;
    return a;
  }
}
