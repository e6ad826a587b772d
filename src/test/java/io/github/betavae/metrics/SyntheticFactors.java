package io.github.betavae.metrics;

import io.github.betavae.rng.Philox;
import java.util.ArrayList;
import java.util.List;

/**
 * Fixtures with known answers: a ground truth whose observation is its own factor classes, and encoders
 * built on it.
 */
final class SyntheticFactors {
  private SyntheticFactors() {}

  /** Five factors like dSprites' but with at most 20 classes, so 20 MIG bins can resolve every class. */
  static final int[] SIZES = {3, 6, 10, 8, 12};

  /** Observation = the factor classes as floats, one feature per factor. */
  static GroundTruth truth(int... sizes) {
    int[] s = sizes.clone();
    List<String> names = new ArrayList<>();
    for (int f = 0; f < s.length; f++) names.add("f" + f);
    return new GroundTruth() {
      @Override
      public List<String> factorNames() {
        return names;
      }

      @Override
      public int[] factorSizes() {
        return s.clone();
      }

      @Override
      public int features() {
        return s.length;
      }

      @Override
      public void render(int[] classes, float[] dst, int off) {
        for (int f = 0; f < s.length; f++) dst[off + f] = classes[f];
      }
    };
  }

  /**
   * Codes: for each entry of {@code factorOf}, the observation's factor at that index scaled by {@code
   * scale}, or (entry −1) a constant 0.
   */
  static Encoder select(int features, float scale, int... factorOf) {
    return (images, n) -> {
      float[] out = new float[n * factorOf.length];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < factorOf.length; j++) {
          out[i * factorOf.length + j] = factorOf[j] < 0 ? 0f : scale * images[i * features + factorOf[j]];
        }
      }
      return out;
    };
  }

  /** Codes of {@code z} standard normals that ignore the input; a fresh instance replays the same draws. */
  static Encoder noise(int z, long seed) {
    long[] counter = {0};
    return (images, n) -> {
      float[] out = new float[n * z];
      for (int e = 0; e < out.length; e++) out[e] = Philox.normal(seed, counter[0]++, 0, Philox.STREAM_PRIOR);
      return out;
    };
  }

  /** The factors themselves followed by one dimension of input-independent noise. */
  static Encoder factorsPlusNoise(int features, long seed) {
    Encoder id = select(features, 1f, 0, 1, 2, 3, 4);
    Encoder extra = noise(1, seed);
    return (images, n) -> {
      float[] a = id.encode(images, n), b = extra.encode(images, n);
      float[] out = new float[n * 6];
      for (int i = 0; i < n; i++) {
        System.arraycopy(a, i * 5, out, i * 6, 5);
        out[i * 6 + 5] = b[i];
      }
      return out;
    };
  }
}
