package io.github.betavae.data;

import io.github.betavae.rng.Philox;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A view of some samples of another dataset, by index. Samples are read through the base dataset, so a
 * subset of the built-in dSprites stays lazy. Factors, where the base has them, follow the view.
 *
 * <p>Seeded subsets ({@link #random}, {@link #split}) draw from Philox stream {@link
 * Philox#STREAM_SPLIT} at step 0 with a partial Fisher–Yates over [0, N) (see {@link Shuffle}): the
 * n chosen indices are a uniform sample without replacement, a pure function of (seed, N, n), and
 * listed in increasing order so reading them walks the base in order.
 */
public final class Subset implements Dataset {
  private final Dataset base;
  private final int[] indices;

  private Subset(Dataset base, int[] indices) {
    this.base = base;
    this.indices = indices;
  }

  /** Train and held-out parts of one seeded split; they are disjoint and together cover the base. */
  public record Split(Subset train, Subset heldOut) {}

  /** The samples {@code indices} of {@code base}, in the given order (the array is copied). */
  public static Subset of(Dataset base, int[] indices) {
    int[] copy = indices.clone();
    for (int i : copy) {
      if (i < 0 || i >= base.size()) {
        throw new IndexOutOfBoundsException("Subset.of: expected indices in [0, " + base.size()
            + ") but found " + i + " for " + base.describe());
      }
    }
    return new Subset(base, copy);
  }

  /** n distinct samples of {@code base} chosen uniformly at random from {@code seed}. */
  public static Subset random(Dataset base, int n, long seed) {
    int total = base.size();
    if (n < 0 || n > total) {
      throw new IllegalArgumentException("Subset.random: expected n in [0, " + total + "] but found " + n
          + " for " + base.describe());
    }
    int[] all = drawTail(total, n, seed);
    int[] chosen = Arrays.copyOfRange(all, total - n, total);
    Arrays.sort(chosen);
    return new Subset(base, chosen);
  }

  /**
   * Splits {@code base} into a held-out part of {@code heldOut} samples, exactly those {@link
   * #random}{@code (base, heldOut, seed)} picks, and a train part of the rest.
   */
  public static Split split(Dataset base, int heldOut, long seed) {
    int total = base.size();
    if (heldOut < 0 || heldOut > total) {
      throw new IllegalArgumentException("Subset.split: expected held-out size in [0, " + total
          + "] but found " + heldOut + " for " + base.describe());
    }
    int[] all = drawTail(total, heldOut, seed);
    int[] test = Arrays.copyOfRange(all, total - heldOut, total);
    int[] train = Arrays.copyOfRange(all, 0, total - heldOut);
    Arrays.sort(test);
    Arrays.sort(train);
    return new Split(new Subset(base, train), new Subset(base, test));
  }

  /** The identity over [0, total) with its last n positions drawn by Fisher–Yates. */
  private static int[] drawTail(int total, int n, long seed) {
    int[] all = new int[total];
    for (int i = 0; i < total; i++) all[i] = i;
    Shuffle.shuffle(seed, 0, Philox.STREAM_SPLIT, all, total - n - 1);
    return all;
  }

  /** The base dataset's index of this view's sample {@code i}. */
  public int baseIndex(int i) {
    return indices[i];
  }

  /** The base indices of all samples, in view order (a copy). */
  public int[] indices() {
    return indices.clone();
  }

  /** The dataset this view reads from. */
  public Dataset base() {
    return base;
  }

  @Override
  public int size() {
    return indices.length;
  }

  @Override
  public int features() {
    return base.features();
  }

  @Override
  public void copy(int index, float[] dst, int off) {
    if (index < 0 || index >= indices.length) {
      throw new IndexOutOfBoundsException("Subset: expected sample index in [0, " + indices.length
          + ") but found " + index);
    }
    base.copy(indices[index], dst, off);
  }

  @Override
  public Optional<Factors> factors() {
    return base.factors().map(f -> new Factors() {
      @Override
      public List<String> names() {
        return f.names();
      }

      @Override
      public List<Integer> sizes() {
        return f.sizes();
      }

      @Override
      public int classOf(int i, int factor) {
        return f.classOf(indices[i], factor);
      }

      @Override
      public double valueOf(int i, int factor) {
        return f.valueOf(indices[i], factor);
      }
    });
  }

  @Override
  public String describe() {
    return indices.length + " of " + base.describe();
  }
}
