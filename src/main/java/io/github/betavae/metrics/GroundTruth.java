package io.github.betavae.metrics;

import io.github.betavae.data.DSprites;
import io.github.betavae.data.Dataset;
import io.github.betavae.data.Factors;
import java.util.Arrays;
import java.util.List;

/**
 * Data generated from known discrete factors: for any combination of factor classes one can produce
 * an observation. Disentanglement metrics sample factor classes, fix some of them, and look at how
 * the representation of the resulting observations varies.
 */
public interface GroundTruth {

  /** Factor names, e.g. shape, scale, orientation, posX, posY. */
  List<String> factorNames();

  /** Number of classes of each factor (≥ 1), in {@link #factorNames()} order. */
  int[] factorSizes();

  /** D, features per observation. */
  int features();

  /** Writes the observation with factor classes {@code classes} to {@code dst[off .. off+D)}. */
  void render(int[] classes, float[] dst, int off);

  /** Number of factors. */
  default int numFactors() {
    return factorSizes().length;
  }

  /** Draws each factor's class uniformly and independently from {@code rng} into {@code out}. */
  default void sampleFactors(RandomStream rng, int[] out) {
    int[] sizes = factorSizes();
    for (int f = 0; f < sizes.length; f++) out[f] = rng.nextInt(sizes[f]);
  }

  /** One line naming the data and its factors. */
  default String describe() {
    return "ground truth " + factorNames() + " with " + Arrays.toString(factorSizes()) + " classes";
  }

  /**
   * The built-in dSprites: the five factors shape (3), scale (6), orientation (40), posX (32), posY (32),
   * observations drawn by {@link DSprites#copy} at {@link DSprites#indexOf}.
   */
  static GroundTruth dSprites() {
    DSprites ds = new DSprites();
    int[] sizes = ds.sizes().stream().mapToInt(Integer::intValue).toArray();
    return new GroundTruth() {
      @Override
      public List<String> factorNames() {
        return ds.names();
      }

      @Override
      public int[] factorSizes() {
        return sizes.clone();
      }

      @Override
      public int features() {
        return DSprites.FEATURES;
      }

      @Override
      public void render(int[] classes, float[] dst, int off) {
        ds.copy(DSprites.indexOf(classes), dst, off);
      }

      @Override
      public String describe() {
        return "dSprites (built-in) factors " + ds.names();
      }
    };
  }

  /**
   * Any dataset whose factors form a full grid, each combination of classes present exactly once (the
   * original dSprites {@code .npz} is one). The class → sample table is built once by reading every
   * sample's factor classes.
   *
   * @throws IllegalArgumentException where the dataset has no factors or they do not form a full grid
   */
  static GroundTruth of(Dataset data) {
    Factors fs = data.factors().orElseThrow(() -> new IllegalArgumentException(
        "ground truth: expected a dataset with factors but " + data.describe() + " has none"));
    int[] sizes = fs.sizes().stream().mapToInt(Integer::intValue).toArray();
    long cells = 1;
    for (int s : sizes) cells *= s;
    if (cells != data.size()) {
      throw new IllegalArgumentException("ground truth: expected one sample per factor combination ("
          + cells + " for sizes " + Arrays.toString(sizes) + ") but found " + data.size() + " in " + data.describe());
    }
    int[] table = new int[(int) cells];
    Arrays.fill(table, -1);
    for (int i = 0; i < data.size(); i++) {
      int code = 0;
      for (int f = 0; f < sizes.length; f++) code = code * sizes[f] + fs.classOf(i, f);
      if (table[code] >= 0) {
        throw new IllegalArgumentException("ground truth: expected each factor combination once but samples "
            + table[code] + " and " + i + " share one in " + data.describe());
      }
      table[code] = i;
    }
    List<String> names = List.copyOf(fs.names());
    return new GroundTruth() {
      @Override
      public List<String> factorNames() {
        return names;
      }

      @Override
      public int[] factorSizes() {
        return sizes.clone();
      }

      @Override
      public int features() {
        return data.features();
      }

      @Override
      public void render(int[] classes, float[] dst, int off) {
        int code = 0;
        for (int f = 0; f < sizes.length; f++) {
          if (classes[f] < 0 || classes[f] >= sizes[f]) {
            throw new IllegalArgumentException("ground truth: expected " + names.get(f) + " class in [0, "
                + sizes[f] + ") but found " + classes[f]);
          }
          code = code * sizes[f] + classes[f];
        }
        data.copy(table[code], dst, off);
      }

      @Override
      public String describe() {
        return data.describe() + " factors " + names;
      }
    };
  }
}
