package io.github.betavae.metrics;

import io.github.betavae.checkpoint.AtomicFiles;
import io.github.betavae.data.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What each disentanglement score was computed from, as {@code .npy} files that reference code can
 * re-score ({@code score --dump DIR}; names and dtypes fixed by DESIGN §7):
 *
 * <ul>
 *   <li>{@code beta_vae_train_features.npy} (n, Z) float32 and {@code beta_vae_train_labels.npy} (n,)
 *       int64: the β-VAE metric's training points (mean |z₁ − z₂| per dimension, fixed factor); {@code
 *       beta_vae_eval_*} the same for the scored points. Re-score: sklearn's {@code
 *       LogisticRegression()} fitted on the train pair, accuracy on the eval pair.</li>
 *   <li>{@code factor_vae_train_votes.npy} (n, 2) int64, rows (argmin dimension, factor), and {@code
 *       factor_vae_eval_votes.npy}: the FactorVAE metric's votes (no rows when no dimension is active).
 *       Re-score: each dimension predicts its most-voted training factor; accuracy over the eval rows.</li>
 *   <li>{@code mig_codes.npy} (N, Z) float32 posterior means and {@code mig_factors.npy} (N, F) int64
 *       factor classes: MIG's sample.</li>
 * </ul>
 *
 * Every array is exactly what the score used (the β-VAE features are rounded to float before the fit),
 * so re-scoring them with {@link #rescore} gives the printed scores bit for bit.
 */
public final class ScoreDump {
  private ScoreDump() {}

  /** File names, in the order they are written. */
  public static final String BETA_TRAIN_FEATURES = "beta_vae_train_features.npy",
      BETA_TRAIN_LABELS = "beta_vae_train_labels.npy", BETA_EVAL_FEATURES = "beta_vae_eval_features.npy",
      BETA_EVAL_LABELS = "beta_vae_eval_labels.npy", FACTOR_TRAIN_VOTES = "factor_vae_train_votes.npy",
      FACTOR_EVAL_VOTES = "factor_vae_eval_votes.npy", MIG_CODES = "mig_codes.npy", MIG_FACTORS = "mig_factors.npy";

  /** Writes the eight arrays of {@code s} into {@code dir} (created if missing), each file atomically. */
  public static void write(Path dir, Disentanglement.Scores s) throws IOException {
    Files.createDirectories(dir);
    BetaVaeMetric.Result b = s.betaVaeDetail();
    int z = s.migDetail().codes().length / s.counts().mig().numPoints();
    floats(dir.resolve(BETA_TRAIN_FEATURES), b.trainFeatures(), b.trainLabels().length, z);
    longs(dir.resolve(BETA_TRAIN_LABELS), b.trainLabels(), b.trainLabels().length);
    floats(dir.resolve(BETA_EVAL_FEATURES), b.evalFeatures(), b.evalLabels().length, z);
    longs(dir.resolve(BETA_EVAL_LABELS), b.evalLabels(), b.evalLabels().length);
    FactorVaeMetric.Result f = s.factorVaeDetail();
    longs(dir.resolve(FACTOR_TRAIN_VOTES), f.trainVotes(), f.trainVotes().length / 2, 2);
    longs(dir.resolve(FACTOR_EVAL_VOTES), f.evalVotes(), f.evalVotes().length / 2, 2);
    Mig.Result m = s.migDetail();
    int n = s.counts().mig().numPoints();
    floats(dir.resolve(MIG_CODES), m.codes(), n, z);
    longs(dir.resolve(MIG_FACTORS), m.factors(), n, m.factors().length / n);
  }

  /**
   * The three scores recomputed from a dump in {@code dir}: {β-VAE metric, FactorVAE metric, MIG}, with
   * disentanglement_lib's classifier (raw features), and MIG with {@code bins} bins.
   */
  public static double[] rescore(Path dir, int bins) {
    Npy.Header trainHeader = Npy.readHeader(dir.resolve(BETA_TRAIN_FEATURES));
    int z = (int) trainHeader.shape()[1];
    double[] trainF = doubles(dir.resolve(BETA_TRAIN_FEATURES)), evalF = doubles(dir.resolve(BETA_EVAL_FEATURES));
    int[] trainL = ints(dir.resolve(BETA_TRAIN_LABELS)), evalL = ints(dir.resolve(BETA_EVAL_LABELS));
    int[] factors = ints(dir.resolve(MIG_FACTORS));
    int nf = (int) Npy.readHeader(dir.resolve(MIG_FACTORS)).shape()[1];
    int[] sizes = new int[nf];
    for (int i = 0; i < factors.length; i++) sizes[i % nf] = Math.max(sizes[i % nf], factors[i] + 1);
    double beta = BetaVaeMetric.fromFeatures(trainF, trainL, evalF, evalL, z, nf, false).evalAccuracy();
    int[] trainVotes = ints(dir.resolve(FACTOR_TRAIN_VOTES)), evalVotes = ints(dir.resolve(FACTOR_EVAL_VOTES));
    double factor = trainVotes.length == 0 ? 0 : FactorVaeMetric.fromVotes(trainVotes, evalVotes, z, nf)[0];
    double[] codes = doubles(dir.resolve(MIG_CODES));
    double mig = Mig.fromCodes(codes, factors, factors.length / nf, sizes, bins).mig();
    return new double[] {beta, factor, mig};
  }

  private static void floats(Path file, double[] values, int... shape) throws IOException {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
    AtomicFiles.write(file, out -> Npy.writeFloat32(out, file.getFileName().toString(), f, shape));
  }

  private static void longs(Path file, int[] values, int... shape) throws IOException {
    long[] l = new long[values.length];
    for (int i = 0; i < l.length; i++) l[i] = values[i];
    AtomicFiles.write(file, out -> Npy.writeInt64(out, file.getFileName().toString(), l, shape));
  }

  private static double[] doubles(Path file) {
    float[] f = Npy.readFloats(file);
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) d[i] = f[i];
    return d;
  }

  private static int[] ints(Path file) {
    float[] f = Npy.readFloats(file); // small class indices: exact in float
    int[] v = new int[f.length];
    for (int i = 0; i < f.length; i++) v[i] = (int) f[i];
    return v;
  }
}
