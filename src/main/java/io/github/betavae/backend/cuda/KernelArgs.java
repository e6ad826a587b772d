package io.github.betavae.backend.cuda;

import java.util.Arrays;

/**
 * The typed argument list of one kernel launch, in the kernel's parameter order. Each argument is a
 * type tag and a 64-bit slot: {@code p} a device address, {@code i} an int32, {@code l} an int64, {@code d} a float64,
 * {@code f} a float32 (its bits in the low word). Devices turn the list into their native form and
 * the host device checks the tags against the kernel's C++ signature.
 */
public final class KernelArgs {
  private byte[] tags = new byte[12];
  private long[] values = new long[12];
  private int n;

  private KernelArgs() {}

  /** An empty list. */
  public static KernelArgs of() {
    return new KernelArgs();
  }

  private KernelArgs add(char tag, long v) {
    if (n == tags.length) {
      tags = Arrays.copyOf(tags, 2 * n);
      values = Arrays.copyOf(values, 2 * n);
    }
    tags[n] = (byte) tag;
    values[n++] = v;
    return this;
  }

  /** A device pointer (0 for a null pointer). */
  public KernelArgs ptr(long address) {
    return add('p', address);
  }

  public KernelArgs i32(int v) {
    return add('i', v & 0xFFFFFFFFL);
  }

  public KernelArgs i64(long v) {
    return add('l', v);
  }

  public KernelArgs f64(double v) {
    return add('d', Double.doubleToRawLongBits(v));
  }

  public KernelArgs f32(float v) {
    return add('f', Float.floatToRawIntBits(v) & 0xFFFFFFFFL);
  }

  public int size() {
    return n;
  }

  /** The tag of argument i: 'p', 'i', 'l', 'd' or 'f'. */
  public char tag(int i) {
    return (char) tags[i];
  }

  /** The raw 64-bit slot of argument i. */
  public long value(int i) {
    return values[i];
  }

  /** All tags as a string, e.g. "ppppiiii". */
  public String tags() {
    return new String(tags, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
  }

  byte[] tagBytes() {
    return Arrays.copyOf(tags, n);
  }

  long[] valueArray() {
    return Arrays.copyOf(values, n);
  }
}
