package io.github.betavae.backend.cpu;

import io.github.betavae.backend.Buf;

/** A view of a Java float array: elements {@code data[offset .. offset+length)}. */
public final class CpuBuf implements Buf {
  public final float[] data;
  public final int offset;
  public final int length;

  public CpuBuf(float[] data, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > data.length) {
      throw new IllegalArgumentException("view [" + offset + ", " + (offset + length) + ") outside array of " + data.length);
    }
    this.data = data;
    this.offset = offset;
    this.length = length;
  }

  @Override
  public long length() {
    return length;
  }

  /** Casts a Buf that must come from a CPU backend. */
  static CpuBuf of(Buf b) {
    if (b instanceof CpuBuf) return (CpuBuf) b;
    throw new IllegalArgumentException("expected a CPU buffer but found " + (b == null ? "null" : b.getClass().getSimpleName()));
  }
}
