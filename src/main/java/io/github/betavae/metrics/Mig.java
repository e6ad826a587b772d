package io.github.betavae.metrics;

import java.util.List;

/**
 * The Mutual Information Gap (Chen et al. 2018, "Isolating sources of disentanglement in VAEs"), in the
 * discrete form disentanglement_lib computes ({@code mig} with {@code histogram_discretizer}). Public
 * implementations differ; this one is exactly:
 *
 * <ol>
 *   <li>Sample: {@code numPoints} observations with every factor's class drawn uniformly and
 *       independently; the factors are the ground truth's discrete classes as they are (for dSprites the
 *       five shape, scale, orientation, posX, posY; no factor is dropped or merged).</li>
 *   <li>Discretise each code dimension on its own: {@code bins} equal-width bins spanning that
 *       dimension's sample minimum to maximum, edges e_i = min + i·(max − min)/bins; a value goes to the
 *       last bin i ≤ bins−1 with e_i ≤ value, so the maximum lands in the last bin (numpy's {@code
 *       digitize(v, histogram(v, bins)[1][:-1])}). A constant dimension falls in a single bin.</li>
 *   <li>I(v_j; z_k) between each discretised code j and factor k: the plug-in estimate from the joint
 *       counts, Σ p(a,b)·ln(p(a,b)/(p(a)p(b))), in nats (scikit-learn's {@code mutual_info_score}).</li>
 *   <li>H(v_k): the plug-in entropy of the factor's sampled classes, in nats, also from the sample (not
 *       the log of the class count).</li>
 *   <li>Per factor, the gap (I_(1) − I_(2)) / H(v_k) between the largest and second-largest mutual
 *       information over code dimensions (with a single code dimension the runner-up is 0).</li>
 *   <li>MIG: the mean of the gaps over factors. A factor whose sampled entropy is 0 (a single class) is
 *       left out of the mean, since no code can carry information about it.</li>
 * </ol>
 *
 * A factor with more classes than bins cannot be captured fully: an exact copy of dSprites' 40
 * orientations in one dimension reaches a gap of about ln 20 / ln 40 ≈ 0.81 for that factor.
 *
 * <p>Randomness: {@link RandomStream} sub-stream {@link RandomStream#MIG}, rows drawn one after another.
 */
public final class Mig {
  private Mig() {}

  /**
   * @param numPoints observations sampled (disentanglement_lib: 10,000)
   * @param bins equal-width bins per code dimension (20)
   */
  public record Settings(int numPoints, int bins) {
    /** disentanglement_lib's settings: 10,000 points, 20 bins. */
    public static final Settings DEFAULT = new Settings(10_000, 20);

    public Settings {
      if (numPoints < 1 || bins < 1) {
        throw new IllegalArgumentException("MIG: expected points and bins ≥ 1 but found " + numPoints + ", " + bins);
      }
    }
  }

  /**
   * @param mig the score, in [0, 1]
   * @param gaps per factor, the normalised gap (NaN for a factor left out because its entropy is 0)
   * @param entropies per factor, H(v_k) in nats
   * @param mutualInfo I(v_j; z_k) in nats, indexed [code j][factor k]
   * @param codes what the score was computed from: the sampled codes, (numPoints, Z) row-major
   * @param factors the sampled factor classes, (numPoints, F) row-major
   */
  public record Result(double mig, List<Double> gaps, List<Double> entropies, double[][] mutualInfo, double[] codes,
                       int[] factors) {}

  /** Computes MIG for {@code encoder} on {@code truth} from {@code seed}. */
  public static Result compute(Encoder encoder, GroundTruth truth, Settings s, long seed) {
    RandomStream rng = new RandomStream(seed, RandomStream.MIG);
    int nf = truth.numFactors(), n = s.numPoints();
    int[] classes = new int[n * nf];
    int[] row = new int[nf];
    for (int i = 0; i < n; i++) {
      truth.sampleFactors(rng, row);
      System.arraycopy(row, 0, classes, i * nf, nf);
    }
    double[] codes = new Representations(truth, encoder).encode(classes, n);
    return fromCodes(codes, classes, n, truth.factorSizes(), s.bins());
  }

  /**
   * MIG of {@code n} codes (row-major, Z = codes.length / n) against their factor classes ({@code n}
   * rows of F = sizes.length classes, factor k in [0, sizes[k])): steps 2 to 6 above. What {@code
   * compute} runs after sampling, and what re-scores a dump.
   */
  public static Result fromCodes(double[] codes, int[] classes, int n, int[] sizes, int bins) {
    int nf = sizes.length;
    if (n < 1 || codes.length == 0 || codes.length % n != 0 || classes.length != (long) n * nf) {
      throw new IllegalArgumentException("MIG: expected n·Z codes and n·" + nf + " factor classes for n = " + n
          + " but found " + codes.length + " and " + classes.length);
    }
    for (int i = 0; i < classes.length; i++) {
      if (classes[i] < 0 || classes[i] >= sizes[i % nf]) {
        throw new IllegalArgumentException("MIG: expected class of factor " + i % nf + " in [0, " + sizes[i % nf]
            + ") but found " + classes[i] + " at row " + i / nf);
      }
    }
    int z = codes.length / n;

    int[][] factor = new int[nf][n];
    for (int i = 0; i < n; i++) for (int k = 0; k < nf; k++) factor[k][i] = classes[i * nf + k];
    double[] entropy = new double[nf];
    for (int k = 0; k < nf; k++) entropy[k] = mutualInfo(factor[k], sizes[k], factor[k], sizes[k]);

    double[][] mi = new double[z][nf];
    int[] binned = new int[n];
    for (int j = 0; j < z; j++) {
      discretise(codes, j, z, n, bins, binned);
      for (int k = 0; k < nf; k++) mi[j][k] = mutualInfo(binned, bins, factor[k], sizes[k]);
    }

    Double[] gaps = new Double[nf];
    Double[] ent = new Double[nf];
    double sum = 0;
    int counted = 0;
    for (int k = 0; k < nf; k++) {
      ent[k] = entropy[k];
      double first = 0, second = 0;
      for (int j = 0; j < z; j++) {
        double v = mi[j][k];
        if (v > first) {
          second = first;
          first = v;
        } else if (v > second) {
          second = v;
        }
      }
      if (entropy[k] > 0) {
        gaps[k] = (first - second) / entropy[k];
        sum += gaps[k];
        counted++;
      } else {
        gaps[k] = Double.NaN;
      }
    }
    if (counted == 0) {
      throw new IllegalArgumentException("MIG: expected at least one factor with more than one sampled class but found none");
    }
    return new Result(sum / counted, List.of(gaps), List.of(ent), mi, codes, classes);
  }

  /** Bins code dimension {@code j} of {@code n} codes (Z = {@code z}) into {@code out}, values in [0, bins). */
  static void discretise(double[] codes, int j, int z, int n, int bins, int[] out) {
    double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      double v = codes[i * z + j];
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    if (!(max > min)) {
      java.util.Arrays.fill(out, 0, n, 0);
      return;
    }
    double width = (max - min) / bins;
    double[] edges = new double[bins];
    for (int i = 0; i < bins; i++) edges[i] = min + i * width;
    for (int i = 0; i < n; i++) {
      double v = codes[i * z + j];
      int b = (int) Math.min(bins - 1, Math.max(0, Math.floor((v - min) / width)));
      // The division can land one bin off an edge; settle against the edges themselves.
      while (b + 1 < bins && edges[b + 1] <= v) b++;
      while (b > 0 && edges[b] > v) b--;
      out[i] = b;
    }
  }

  /** Plug-in mutual information in nats between two discrete samples with values in [0, na) and [0, nb). */
  static double mutualInfo(int[] a, int na, int[] b, int nb) {
    int n = a.length;
    long[] joint = new long[na * nb];
    long[] ca = new long[na], cb = new long[nb];
    for (int i = 0; i < n; i++) {
      joint[a[i] * nb + b[i]]++;
      ca[a[i]]++;
      cb[b[i]]++;
    }
    double mi = 0, logN = Math.log(n);
    for (int x = 0; x < na; x++) {
      for (int y = 0; y < nb; y++) {
        long c = joint[x * nb + y];
        if (c == 0) continue;
        // p(x,y)·ln(p(x,y)/(p(x)p(y))) = (c/n)·(ln c + ln n − ln c_x − ln c_y)
        mi += c * (Math.log(c) + logN - Math.log(ca[x]) - Math.log(cb[y]));
      }
    }
    return Math.max(0, mi / n);
  }
}
