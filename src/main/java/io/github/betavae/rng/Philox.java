package io.github.betavae.rng;

/**
 * Philox4x32-10 counter-based generator, exactly as Random123 and cuRAND's device API define it
 * (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
 *
 * <p>Counter layout used everywhere in this project (DESIGN §5): key = 64-bit run seed split into
 * (low word, high word); counter = (element-quad index, step, stream id, 0). One call yields four
 * uint32 values, i.e. the draws for the four consecutive elements {@code 4q .. 4q+3}. CUDA kernels
 * in {@code kernels/philox.cuh} use the same layout, so CPU and GPU draw bit-identical uint32 streams.
 *
 * <p>Uniforms: {@code u = x·2⁻³² + 2⁻³³} computed in float (never 0). Normals: Box–Muller on the pairs
 * (x0,x1) and (x2,x3) of one quad: {@code r = sqrt(-2 ln u0)}, {@code n0 = r cos(2π u1)}, {@code
 * n1 = r sin(2π u1)}, likewise n2, n3 from (u2, u3).
 */
public final class Philox {
  private static final int M0 = 0xD2511F53;
  private static final int M1 = 0xCD9E8D57;
  private static final int W0 = 0x9E3779B9;
  private static final int W1 = 0xBB67AE85;

  /** Stream ids: which use of randomness a draw belongs to (counter word 2). */
  public static final int STREAM_INIT = 0;
  public static final int STREAM_EPS = 1;
  public static final int STREAM_SHUFFLE = 2;
  public static final int STREAM_METRICS = 3;
  public static final int STREAM_PRIOR = 4;
  public static final int STREAM_SPLIT = 5;

  private Philox() {}

  /**
   * Philox4x32 with {@code rounds} rounds (10 for the standard generator) on counter c (4 words) and
   * key k (2 words); writes the 4 output words to {@code out}.
   */
  public static void philox4x32(int rounds, int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
    for (int r = 0; r < rounds; r++) {
      if (r > 0) {
        k0 += W0;
        k1 += W1;
      }
      long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
      long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
      int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
      int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
      int n0 = hi1 ^ c1 ^ k0;
      int n1 = lo1;
      int n2 = hi0 ^ c3 ^ k1;
      int n3 = lo0;
      c0 = n0;
      c1 = n1;
      c2 = n2;
      c3 = n3;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
  }

  /** Philox4x32-10 for the project's counter layout. */
  public static void block(long seed, long quad, long step, int stream, int[] out) {
    philox4x32(10, (int) quad, (int) step, stream, 0, (int) seed, (int) (seed >>> 32), out);
  }

  /** The uint32 → float uniform in (0, 1]: {@code x·2⁻³² + 2⁻³³}, in float arithmetic. */
  public static float uniform(int x) {
    return (float) (x & 0xFFFFFFFFL) * 0x1p-32f + 0x1p-33f;
  }

  /**
   * Four standard normals for quad {@code quad} (elements 4q..4q+3) written to {@code out[off..off+3]}.
   * The GPU computes the same in float with logf/sincosf; results agree within 2e-6 absolute.
   */
  public static void normals(long seed, long quad, long step, int stream, int[] scratch, float[] out, int off) {
    block(seed, quad, step, stream, scratch);
    boxMuller(uniform(scratch[0]), uniform(scratch[1]), out, off);
    boxMuller(uniform(scratch[2]), uniform(scratch[3]), out, off + 2);
  }

  private static void boxMuller(float u0, float u1, float[] out, int off) {
    float r = (float) Math.sqrt(-2.0 * Math.log(u0));
    double theta = 2.0 * Math.PI * u1;
    out[off] = r * (float) Math.cos(theta);
    out[off + 1] = r * (float) Math.sin(theta);
  }

  /** The standard normal for flat element index {@code e} (convenience; recomputes its quad). */
  public static float normal(long seed, long e, long step, int stream) {
    int[] s = new int[4];
    float[] n = new float[4];
    normals(seed, e >>> 2, step, stream, s, n, 0);
    return n[(int) (e & 3)];
  }

  /** The uniform in (0,1] for flat element index {@code e}. */
  public static float uniformAt(long seed, long e, long step, int stream) {
    int[] s = new int[4];
    block(seed, e >>> 2, step, stream, s);
    return uniform(s[(int) (e & 3)]);
  }

  /** A uniformly distributed int in [0, bound) for element e, by 64-bit multiply-shift (bias < 2⁻³²·bound). */
  public static int below(long seed, long e, long step, int stream, int bound) {
    int[] s = new int[4];
    block(seed, e >>> 2, step, stream, s);
    return bounded(s[(int) (e & 3)], bound);
  }

  /**
   * Maps one uint32 draw {@code x} to [0, bound) by 64-bit multiply-shift, the same map {@link #below}
   * uses. Loops that walk many consecutive elements call {@link #block} once per quad with a reused
   * scratch array and map each word with this, allocating nothing per element.
   */
  public static int bounded(int x, int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("Philox.bounded: expected bound > 0 but found " + bound);
    }
    return (int) (((x & 0xFFFFFFFFL) * bound) >>> 32);
  }
}
