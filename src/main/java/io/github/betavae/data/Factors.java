package io.github.betavae.data;

import java.util.List;

/**
 * Discrete ground-truth factors of a dataset: factor {@code f} of sample {@code i} is a class index in
 * {@code [0, sizes().get(f))}; {@link #value} gives its real value (e.g. scale 0.5 … 1.0).
 */
public interface Factors {
  /** Factor names, e.g. shape, scale, orientation, posX, posY. */
  List<String> names();

  /** Number of classes of each factor. */
  List<Integer> sizes();

  /** Class index of factor f for sample i. */
  int classOf(int i, int f);

  /** Real value of factor f for sample i. */
  double valueOf(int i, int f);
}
