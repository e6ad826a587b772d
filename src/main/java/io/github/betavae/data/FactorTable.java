package io.github.betavae.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Ground-truth factors held in memory: a class index per sample and factor, and each class's real value.
 * Used for the factors stored beside data in files ({@code latents_classes} / {@code latents_values}
 * of an .npz, MNIST labels).
 *
 * <p>A factor whose classes are all the same (dSprites' colour) is dropped: it tells nothing about a
 * sample, and metrics that pick a factor to vary or to predict cannot use it. Where each class of a
 * factor has one value throughout (as in dSprites) values are kept as a table per factor rather than
 * per sample.
 */
final class FactorTable implements Factors {
  private final List<String> names;
  private final List<Integer> sizes;
  private final List<String> dropped;
  private final int count;
  /** Class of sample i, factor f at {@code i·count + f}. */
  private final int[] classes;
  /** Value of class c of factor f at {@code table[f][c]}; null where values are kept per sample. */
  private final double[][] table;
  /** Value of sample i, factor f at {@code i·count + f}; null where {@link #table} is used. */
  private final double[] values;

  private FactorTable(List<String> names, List<Integer> sizes, List<String> dropped, int[] classes,
      double[][] table, double[] values) {
    this.names = names;
    this.sizes = sizes;
    this.dropped = dropped;
    this.count = names.size();
    this.classes = classes;
    this.table = table;
    this.values = values;
  }

  /**
   * Factors of {@code n} samples from row-major {@code classes} (n × names.size(), each ≥ 0) and {@code
   * values} of the same layout, or null to use the class index as the value. Each factor has {@code
   * max(minClasses, largest class + 1)} classes; factors left with a single class are dropped.
   */
  static FactorTable of(List<String> names, int n, int[] classes, double[] values, int minClasses) {
    int f = names.size();
    int[] size = new int[f];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < f; k++) size[k] = Math.max(size[k], classes[i * f + k] + 1);
    }
    List<Integer> keep = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (int k = 0; k < f; k++) {
      size[k] = Math.max(size[k], minClasses);
      if (size[k] > 1) keep.add(k); else dropped.add(names.get(k));
    }
    int m = keep.size();
    int[] kept = new int[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) kept[i * m + j] = classes[i * f + keep.get(j)];
    }
    double[][] table = new double[m][];
    double[] perSample = null;
    if (values != null) {
      table = tables(n, f, keep, size, classes, values);
      if (table == null) {
        perSample = new double[n * m];
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < m; j++) perSample[i * m + j] = values[i * f + keep.get(j)];
        }
      }
    } else {
      for (int j = 0; j < m; j++) {
        table[j] = new double[size[keep.get(j)]];
        for (int c = 0; c < table[j].length; c++) table[j][c] = c;
      }
    }
    List<String> keptNames = new ArrayList<>();
    List<Integer> keptSizes = new ArrayList<>();
    for (int k : keep) {
      keptNames.add(names.get(k));
      keptSizes.add(size[k]);
    }
    return new FactorTable(List.copyOf(keptNames), List.copyOf(keptSizes), List.copyOf(dropped), kept, table,
        perSample);
  }

  /** Per-factor class → value tables, or null where some class appears with two different values. */
  private static double[][] tables(int n, int f, List<Integer> keep, int[] size, int[] classes, double[] values) {
    double[][] t = new double[keep.size()][];
    for (int j = 0; j < keep.size(); j++) {
      int k = keep.get(j);
      t[j] = new double[size[k]];
      Arrays.fill(t[j], Double.NaN);
      for (int i = 0; i < n; i++) {
        int c = classes[i * f + k];
        double v = values[i * f + k];
        if (Double.isNaN(t[j][c])) {
          t[j][c] = v;
        } else if (Double.compare(t[j][c], v) != 0) {
          return null;
        }
      }
    }
    return t;
  }

  /** Names of the single-class factors left out. */
  List<String> dropped() {
    return dropped;
  }

  @Override
  public List<String> names() {
    return names;
  }

  @Override
  public List<Integer> sizes() {
    return sizes;
  }

  @Override
  public int classOf(int i, int f) {
    return classes[i * count + f];
  }

  @Override
  public double valueOf(int i, int f) {
    return table != null ? table[f][classes[i * count + f]] : values[i * count + f];
  }
}
