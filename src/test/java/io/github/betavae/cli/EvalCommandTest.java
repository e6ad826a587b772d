package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.betavae.data.DSprites;
import io.github.betavae.data.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval} against an independent double-precision evaluator, plus its error paths. */
class EvalCommandTest {
  @TempDir static Path dir;
  static Path bernoulliRun, gaussianRun, input;
  static float[] x;
  static final int N = 120;

  @BeforeAll
  static void trainAndWriteInput() throws IOException {
    bernoulliRun = dir.resolve("bernoulli");
    gaussianRun = dir.resolve("gaussian");
    for (Path run : List.of(bernoulliRun, gaussianRun)) {
      Cli.Result r = Cli.run("train", "--data", "dsprites", "--subset", "300", "--encoder", "24,16", "--decoder", "16,24",
          "--latent", "4", "--batch", "16", "--lr", "2e-3", "--steps", "15", "--quiet", "--device", "cpu",
          "--likelihood", run == gaussianRun ? "gaussian" : "bernoulli", "--out", run.toString());
      assertEquals(0, r.rc(), r.toString());
    }
    // Held-out images spread over the whole grid: every shape, scale and position appears.
    DSprites ds = new DSprites();
    x = new float[N * DSprites.FEATURES];
    for (int i = 0; i < N; i++) ds.copy((int) ((long) i * 6143 % ds.size()), x, i * DSprites.FEATURES);
    input = dir.resolve("heldout.npy");
    Npy.writeFloat32(input, x, N, DSprites.FEATURES);
  }

  private static JsonNode eval(Path run, String... extra) throws IOException {
    List<String> a = Cli.args("eval", "--checkpoint", run.toString(), "--input", input.toString(), "--device", "cpu");
    a.addAll(List.of(extra));
    Cli.Result r = Cli.run(a);
    assertEquals(0, r.rc(), r.toString());
    assertEquals(1, r.out().strip().lines().count(), "one JSON object on one line: " + r.out());
    return new ObjectMapper().readTree(r.out());
  }

  private static void assertRel(double expected, double actual, String what) {
    double rel = Math.abs(actual - expected) / Math.max(1e-12, Math.abs(expected));
    assertTrue(rel <= 1e-4, what + ": eval says " + actual + ", reference " + expected + " (relative error " + rel + ")");
  }

  private static void checkAgainstReference(Path run) throws IOException {
    JsonNode j = eval(run, "--posterior-mean");
    ReferenceEval ref = ReferenceEval.run(run, x, N);
    assertEquals(N, j.get("n").asInt());
    assertRel(ref.recon, j.get("recon").asDouble(), "recon");
    assertRel(ref.kl, j.get("kl").asDouble(), "kl");
    assertRel(ref.loss, j.get("loss").asDouble(), "loss");
    assertEquals(ref.klPerDim.length, j.get("kl_per_dim").size());
    for (int k = 0; k < ref.klPerDim.length; k++) assertRel(ref.klPerDim[k], j.get("kl_per_dim").get(k).asDouble(), "kl_per_dim[" + k + "]");
    assertEquals(ref.activeUnits, j.get("active_units").asInt(), "active units");
  }

  @Test
  void bernoulliPosteriorMeanMatchesTheReference() throws IOException {
    checkAgainstReference(bernoulliRun);
  }

  @Test
  void gaussianPosteriorMeanMatchesTheReference() throws IOException {
    checkAgainstReference(gaussianRun);
  }

  @Test
  void sampledEvaluationIsSeededAndKeepsTheKl() throws IOException {
    JsonNode mean = eval(bernoulliRun, "--posterior-mean");
    JsonNode s1 = eval(bernoulliRun, "--seed", "5"), s2 = eval(bernoulliRun, "--seed", "5"), s3 = eval(bernoulliRun, "--seed", "6");
    assertEquals(s1.get("recon").asDouble(), s2.get("recon").asDouble());
    assertNotEquals(s1.get("recon").asDouble(), s3.get("recon").asDouble());
    assertRel(mean.get("kl").asDouble(), s1.get("kl").asDouble(), "KL does not depend on ε");
    assertEquals(List.of("recon", "kl", "loss", "kl_per_dim", "active_units", "n", "mutual_info",
        "mutual_info_n", "mutual_info_batch", "agg_kl", "agg_mmd"), List.copyOf(iterable(s1.fieldNames())));
    assertEquals(s1.get("mutual_info_n").asInt(), s1.get("mutual_info_batch").asInt(), "all-N by default");
    assertTrue(s1.get("agg_kl").asDouble() > 0, s1.toString());
    // The aggregate posterior uses the posterior draws of --seed, not the decoder's: same seed, same value.
    assertEquals(s1.get("agg_mmd").asDouble(), s2.get("agg_mmd").asDouble());
  }

  @Test
  void miBatchSelectsTheBatchedEstimator() throws IOException {
    JsonNode all = eval(bernoulliRun, "--seed", "5"), batched = eval(bernoulliRun, "--seed", "5", "--mi-batch", "8");
    assertEquals(8, batched.get("mutual_info_batch").asInt());
    assertNotEquals(all.get("mutual_info").asDouble(), batched.get("mutual_info").asDouble());
    assertTrue(batched.get("mutual_info").asDouble() < Math.log(8) + 0.5, batched.toString());
    assertEquals(all.get("agg_kl").asDouble(), batched.get("agg_kl").asDouble(), "the estimator choice leaves agg_kl alone");
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> l = new java.util.ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  @Test
  void inputOfTheWrongWidthIsAOneLineError() throws IOException {
    Path small = dir.resolve("small.npy");
    Npy.writeFloat32(small, new float[10 * 64], 10, 64);
    Cli.Result r = Cli.run("eval", "--checkpoint", bernoulliRun.toString(), "--input", small.toString());
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.errLines().get(0).equals("betavae eval: --input: expected 4096 features per sample (the checkpoint's input size) but found 64 in small.npy"),
        r.err());
  }

  @Test
  void missingCheckpointOrInputIsAOneLineError() {
    Cli.Result r = Cli.run("eval", "--checkpoint", dir.resolve("none").toString(), "--input", input.toString());
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().contains("expected a run directory written by 'train'"), r.err());
    Cli.Result noInput = Cli.run("eval", "--checkpoint", bernoulliRun.toString(), "--input", dir.resolve("x.npy").toString());
    assertEquals(Main.USAGE, noInput.rc());
    assertTrue(noInput.err().contains("--input: no file"), noInput.err());
    Cli.Result noFlag = Cli.run("eval", "--input", input.toString());
    assertEquals(Main.USAGE, noFlag.rc());
    assertTrue(noFlag.err().contains("Missing required option: '--checkpoint=DIR'"), noFlag.err());
  }
}
