package io.github.betavae.metrics;

import io.github.betavae.rng.Philox;

/**
 * Sequential draws for metric sampling from Philox stream {@link Philox#STREAM_METRICS}: key = the run
 * seed, counter = (quad index, sub-stream, STREAM_METRICS, 0). Each metric reads its own sub-stream,
 * so its samples depend only on (seed, metric) and not on which other metrics ran before it.
 *
 * <p>Not thread-safe: one stream belongs to one computation.
 */
public final class RandomStream {
  /** Sub-stream of the β-VAE metric. */
  public static final int BETA_VAE = 1;
  /** Sub-stream of the FactorVAE metric. */
  public static final int FACTOR_VAE = 2;
  /** Sub-stream of MIG. */
  public static final int MIG = 3;
  /** Sub-stream of the mutual-information estimate's posterior draws. */
  public static final int MUTUAL_INFO = 4;
  /** Sub-stream of the prior draws that the aggregate posterior is compared with. */
  public static final int AGG_PRIOR = 5;

  private final long seed;
  private final int substream;
  private final int[] block = new int[4];
  private long next; // index of the next uint32 draw

  /** A stream at its first draw. */
  public RandomStream(long seed, int substream) {
    this.seed = seed;
    this.substream = substream;
  }

  /** The next uint32 draw, as an int. */
  public int nextBits() {
    int lane = (int) (next & 3);
    if (lane == 0) {
      if ((next >>> 2) > 0xFFFFFFFFL) {
        throw new IllegalStateException("metric random stream: expected at most 2^34 draws per sub-stream but found more");
      }
      Philox.block(seed, next >>> 2, substream, Philox.STREAM_METRICS, block);
    }
    next++;
    return block[lane];
  }

  /** A uniform int in [0, bound), by {@link Philox#bounded}. */
  public int nextInt(int bound) {
    return Philox.bounded(nextBits(), bound);
  }

  /** How many uint32 draws have been taken. */
  public long position() {
    return next;
  }
}
