package io.github.betavae.backend;

/**
 * A float buffer owned by a {@link Backend}: a Java array for the CPU, device memory for CUDA.
 * Slices made with {@link Backend#slice} share storage with their parent. Element offsets and
 * lengths count floats, not bytes.
 */
public interface Buf {
  /** Number of floats in this buffer or view. */
  long length();
}
