package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.betavae.data.Npy;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The three scores recomputed from a committed dump against the values scikit-learn and numpy gave
 * for the same arrays with disentanglement_lib's procedures ({@code bench/rescore_dump.py}; the
 * fixture's README says how it was made).
 */
class ReferenceScoresTest {
  private static Path fixture() {
    try {
      return Path.of(ReferenceScoresTest.class.getResource("reference-dump/reference.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode reference() throws IOException {
    return new ObjectMapper().readTree(fixture().resolve("reference.json").toFile());
  }

  @Test
  void allThreeScoresMatchTheReference() throws IOException {
    JsonNode ref = reference();
    double[] ours = ScoreDump.rescore(fixture(), 20);
    assertEquals(ref.get("beta_vae_metric").asDouble(), ours[0], 1e-12, "β-VAE metric");
    assertEquals(ref.get("factor_vae_metric").asDouble(), ours[1], 1e-12, "FactorVAE metric");
    assertEquals(ref.get("mig").asDouble(), ours[2], 1e-12, "MIG");
  }

  @Test
  void theClassifierLandsOnScikitLearnsMinimiser() throws IOException {
    JsonNode ref = reference();
    Path dir = fixture();
    int z = (int) Npy.readHeader(dir.resolve(ScoreDump.BETA_TRAIN_FEATURES)).shape()[1];
    float[] xf = Npy.readFloats(dir.resolve(ScoreDump.BETA_TRAIN_FEATURES));
    float[] yf = Npy.readFloats(dir.resolve(ScoreDump.BETA_TRAIN_LABELS));
    double[] x = new double[xf.length];
    for (int i = 0; i < x.length; i++) x[i] = xf[i];
    int[] y = new int[yf.length];
    for (int i = 0; i < y.length; i++) y[i] = (int) yf[i];
    int classes = ref.get("classes").size();
    LogisticRegression m = LogisticRegression.fit(x, y, y.length, z, classes);
    assertEquals(ref.get("beta_vae_train_accuracy").asDouble(), m.accuracy(x, y, y.length), 1e-12);
    double[] w = m.parameters();
    // Intercepts are fixed up to a common shift (softmax); both fits start at 0 and keep their sum 0,
    // but compare them centred anyway.
    double oursMean = 0, refMean = 0;
    for (int k = 0; k < classes; k++) {
      oursMean += w[k * (z + 1) + z] / classes;
      refMean += ref.get("tight_intercept").get(k).asDouble() / classes;
    }
    double worst = 0, largest = 0;
    for (int k = 0; k < classes; k++) {
      for (int j = 0; j < z; j++) {
        double r = ref.get("tight_coef").get(k).get(j).asDouble();
        worst = Math.max(worst, Math.abs(w[k * (z + 1) + j] - r));
        largest = Math.max(largest, Math.abs(r));
      }
      double ri = ref.get("tight_intercept").get(k).asDouble() - refMean;
      worst = Math.max(worst, Math.abs(w[k * (z + 1) + z] - oursMean - ri));
    }
    // scikit-learn's lbfgs stops on its own function tolerance: agreement to about 1e-4 of the scale.
    assertTrue(worst < 1e-3 * Math.max(1, largest), "largest parameter difference " + worst + " (largest |coef| " + largest + ")");
  }

  @Test
  void standardisingTheFeaturesGivesAnotherScoreOnTheseCodes() throws IOException {
    // The reason the default changed: z-scoring first is a different classifier, scored differently.
    Path dir = fixture();
    int z = (int) Npy.readHeader(dir.resolve(ScoreDump.BETA_TRAIN_FEATURES)).shape()[1];
    double[] tr = toDouble(Npy.readFloats(dir.resolve(ScoreDump.BETA_TRAIN_FEATURES)));
    double[] ev = toDouble(Npy.readFloats(dir.resolve(ScoreDump.BETA_EVAL_FEATURES)));
    int[] trl = toInt(Npy.readFloats(dir.resolve(ScoreDump.BETA_TRAIN_LABELS)));
    int[] evl = toInt(Npy.readFloats(dir.resolve(ScoreDump.BETA_EVAL_LABELS)));
    double raw = BetaVaeMetric.fromFeatures(tr, trl, ev, evl, z, 5, false).evalAccuracy();
    double std = BetaVaeMetric.fromFeatures(tr, trl, ev, evl, z, 5, true).evalAccuracy();
    assertEquals(reference().get("beta_vae_metric").asDouble(), raw, 1e-12);
    assertTrue(Math.abs(raw - std) >= 0.01, "raw " + raw + " vs standardised " + std);
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) d[i] = f[i];
    return d;
  }

  private static int[] toInt(float[] f) {
    int[] v = new int[f.length];
    for (int i = 0; i < f.length; i++) v[i] = (int) f[i];
    return v;
  }
}
