package io.github.betavae.backend.cuda;

/**
 * Untyped device memory ({@code bytes} bytes at {@code address}) for the data that is not float:
 * uint8 datasets, int32 row indices, uint32 random draws.
 */
public record RawBuf(long address, long bytes) {
  public RawBuf {
    if (address == 0) throw new IllegalArgumentException("device buffer at null address");
    if (bytes < 0) throw new IllegalArgumentException("device buffer size must be ≥ 0 bytes but was " + bytes);
  }
}
