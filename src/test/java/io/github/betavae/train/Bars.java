package io.github.betavae.train;

import io.github.betavae.data.Dataset;

/**
 * A tiny binary image set for tests: 8×8 images, each a horizontal bar at row r and a vertical bar
 * at column c (64 distinct images, repeated to N samples). Simple enough that a small VAE learns it
 * in a hundred steps.
 */
public class Bars implements Dataset {
  public static final int SIDE = 8;
  private final int n;

  public Bars(int n) {
    this.n = n;
  }

  @Override
  public int size() {
    return n;
  }

  @Override
  public int features() {
    return SIDE * SIDE;
  }

  @Override
  public void copy(int index, float[] dst, int off) {
    if (index < 0 || index >= n) throw new IndexOutOfBoundsException("sample " + index + " of " + n);
    int k = index % (SIDE * SIDE);
    int row = k / SIDE, col = k % SIDE;
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) dst[off + y * SIDE + x] = (y == row || x == col) ? 1f : 0f;
    }
  }

  @Override
  public String describe() {
    return "bars, " + n + " × " + (SIDE * SIDE);
  }
}
