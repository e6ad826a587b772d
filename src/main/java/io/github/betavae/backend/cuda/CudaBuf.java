package io.github.betavae.backend.cuda;

import io.github.betavae.backend.Buf;

/**
 * Floats in device memory: {@code length} floats at device address {@code address}. Views made by
 * {@link CudaBackend#slice} are the same record with a shifted address.
 */
public record CudaBuf(long address, long length) implements Buf {
  public CudaBuf {
    if (address == 0) throw new IllegalArgumentException("device buffer at null address");
    if (length < 0) throw new IllegalArgumentException("device buffer length must be ≥ 0 but was " + length);
  }

  /** Address of float {@code i} of this buffer. */
  public long at(long i) {
    return address + 4 * i;
  }

  /** Casts a Buf that must come from a CUDA backend. */
  static CudaBuf of(Buf b, String what) {
    if (b instanceof CudaBuf) return (CudaBuf) b;
    throw new IllegalArgumentException(what + ": expected a CUDA buffer but found "
        + (b == null ? "null" : b.getClass().getSimpleName()));
  }
}
