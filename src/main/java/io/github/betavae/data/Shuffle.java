package io.github.betavae.data;

import io.github.betavae.rng.Philox;

/**
 * Seeded permutations of [0, N): Fisher–Yates driven by Philox, so the order of epoch e of a run
 * depends only on (seed, e, N), never on threads or on earlier epochs.
 *
 * <p>Draws: stream {@link Philox#STREAM_SHUFFLE}, step = epoch, element = swap index i. The loop runs
 * i = N−1 down to 1 and swaps position i with j = {@code Philox.below(seed, i, epoch, STREAM_SHUFFLE,
 * i + 1)}. One Philox block serves four consecutive i, so a 737,280-element permutation costs about
 * 184k blocks and no allocation beyond the output array.
 */
public final class Shuffle {
  private Shuffle() {}

  /** A new array holding the permutation of [0, n) for (seed, epoch). */
  public static int[] permutation(long seed, long epoch, int n) {
    if (n < 0) {
      throw new IllegalArgumentException("Shuffle.permutation: expected n >= 0 but found " + n);
    }
    int[] p = new int[n];
    permutation(seed, epoch, p);
    return p;
  }

  /** Fills {@code out} with the permutation of [0, out.length) for (seed, epoch), reusing the array. */
  public static void permutation(long seed, long epoch, int[] out) {
    for (int i = 0; i < out.length; i++) out[i] = i;
    shuffle(seed, epoch, Philox.STREAM_SHUFFLE, out, 0);
  }

  /**
   * Fisher–Yates on {@code a} in place, drawing swap index i from (seed, step, stream), for i =
   * a.length−1 down to {@code stopAt}+1. With {@code stopAt = 0} the whole array is shuffled. Stopping
   * early still leaves {@code a[stopAt+1 ..]} a uniformly drawn ordered sample, identical to the same
   * positions of the full shuffle; {@link Subset} uses this to draw n of N in n steps.
   */
  static void shuffle(long seed, long step, int stream, int[] a, int stopAt) {
    int[] words = new int[4];
    long quad = -1;
    for (int i = a.length - 1; i > stopAt; i--) {
      long q = (long) i >>> 2;
      if (q != quad) {
        Philox.block(seed, q, step, stream, words);
        quad = q;
      }
      int j = Philox.bounded(words[i & 3], i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
