package io.github.betavae.train;

import io.github.betavae.data.Shuffle;

/**
 * The order in which an epoch visits the samples: a permutation of {@code [0, N)} that depends only
 * on the epoch number (and whatever seed the implementation holds), so a run can be replayed or
 * resumed at any step.
 */
@FunctionalInterface
public interface EpochOrder {

  /** The sample indices of epoch {@code epoch}, a permutation of {@code [0, N)}. */
  int[] order(long epoch);

  /**
   * The training order: epoch e visits {@link Shuffle#permutation}{@code (seed, e, n)}, a seeded
   * Fisher–Yates permutation that depends only on (seed, epoch, n).
   */
  static EpochOrder shuffled(long seed, int n) {
    return epoch -> Shuffle.permutation(seed, epoch, n);
  }

  /** Samples in storage order every epoch (useful for tests and for evaluation). */
  static EpochOrder sequential(int n) {
    return epoch -> {
      int[] p = new int[n];
      for (int i = 0; i < n; i++) p[i] = i;
      return p;
    };
  }
}
