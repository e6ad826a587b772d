package io.github.betavae.backend.cuda;

/** Precondition checks shared by the kernel launchers; each failure names the operation. */
final class Launch {
  static final int THREADS = 256;
  /** Largest grid.x the launchers use for grid-stride kernels. */
  static final int MAX_GRID_X = 65535 * 16;

  private Launch() {}

  static void positive(String op, String what, long v) {
    if (v < 1) throw new IllegalArgumentException(op + ": " + what + " must be ≥ 1 but was " + v);
  }

  static void atMost(String op, String what, long v, long max) {
    if (v > max) throw new IllegalArgumentException(op + ": " + what + " must be ≤ " + max + " but was " + v);
  }

  /** b holds at least n floats. */
  static CudaBuf floats(String op, String what, io.github.betavae.backend.Buf b, long n) {
    if (b == null) throw new IllegalArgumentException(op + ": " + what + " is null");
    CudaBuf c = CudaBuf.of(b, op + " " + what);
    if (c.length() < n) {
      throw new IllegalArgumentException(op + ": " + what + " expected at least " + n + " floats but found " + c.length());
    }
    return c;
  }

  /** b holds at least n bytes. */
  static RawBuf bytes(String op, String what, RawBuf b, long n) {
    if (b == null) throw new IllegalArgumentException(op + ": " + what + " is null");
    if (b.bytes() < n) throw new IllegalArgumentException(op + ": " + what + " expected at least " + n + " bytes but found " + b.bytes());
    return b;
  }

  static int blocks(long n, int per) {
    long b = (n + per - 1) / per;
    if (b > Integer.MAX_VALUE) throw new IllegalArgumentException("launch of " + n + " elements needs more than 2^31 blocks");
    return (int) Math.max(1, b);
  }
}
