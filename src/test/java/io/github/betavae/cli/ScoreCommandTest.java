package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.betavae.data.Npy;
import io.github.betavae.metrics.ScoreDump;
import java.util.List;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCommandTest {
  @TempDir static Path dir;
  static Path run;

  @BeforeAll
  static void train() {
    run = dir.resolve("run");
    Cli.Result r = Cli.run(TrainCommandTest.tiny(run, 30));
    assertEquals(0, r.rc(), r.toString());
  }

  @Test
  void smallPresetPrintsThreeScoresInTheUnitIntervalWithTheirCounts() throws IOException {
    Cli.Result r = Cli.run("score", "--checkpoint", run.toString(), "--samples", "small", "--seed", "2", "--device", "cpu");
    assertEquals(0, r.rc(), r.toString());
    assertEquals(1, r.out().strip().lines().count(), r.out());
    JsonNode j = new ObjectMapper().readTree(r.out());
    for (String k : new String[] {"beta_vae_metric", "factor_vae_metric", "mig"}) {
      double v = j.get(k).asDouble();
      assertTrue(v >= 0 && v <= 1, k + " = " + v);
    }
    // Five dSprites factors: a classifier that learned nothing scores about 1/5; three latent
    // dimensions that see shape and position do better even after 30 steps.
    assertTrue(j.get("beta_vae_metric").asDouble() > 0.2, r.out());
    assertEquals("small", j.at("/samples/preset").asText());
    assertEquals(500, j.at("/samples/beta_vae_metric/num_train").asInt());
    assertEquals(250, j.at("/samples/factor_vae_metric/num_eval").asInt());
    assertEquals(2000, j.at("/samples/mig/num_points").asInt());
    assertEquals(2, j.get("seed").asLong());
  }

  @Test
  void dumpHoldsWhatEachScoreWasComputedFromAndRescoresToTheSameNumbers() throws IOException {
    Path dump = dir.resolve("dump");
    Cli.Result r = Cli.run("score", "--checkpoint", run.toString(), "--samples", "small", "--seed", "3", "--device", "cpu",
        "--dump", dump.toString());
    assertEquals(0, r.rc(), r.toString());
    JsonNode j = new ObjectMapper().readTree(r.out());
    int z = 3; // TrainCommandTest.tiny's latent size
    expectHeader(dump, ScoreDump.BETA_TRAIN_FEATURES, Npy.DType.FLOAT32, 500, z);
    expectHeader(dump, ScoreDump.BETA_TRAIN_LABELS, Npy.DType.INT64, 500);
    expectHeader(dump, ScoreDump.BETA_EVAL_FEATURES, Npy.DType.FLOAT32, 250, z);
    expectHeader(dump, ScoreDump.BETA_EVAL_LABELS, Npy.DType.INT64, 250);
    expectHeader(dump, ScoreDump.FACTOR_TRAIN_VOTES, Npy.DType.INT64, 500, 2);
    expectHeader(dump, ScoreDump.FACTOR_EVAL_VOTES, Npy.DType.INT64, 250, 2);
    expectHeader(dump, ScoreDump.MIG_CODES, Npy.DType.FLOAT32, 2000, z);
    expectHeader(dump, ScoreDump.MIG_FACTORS, Npy.DType.INT64, 2000, 5);
    // Scores recomputed from the files alone are the printed ones, to the last bit.
    double[] again = ScoreDump.rescore(dump, 20);
    assertEquals(j.get("beta_vae_metric").asDouble(), again[0], 0.0, "β-VAE metric from the dump");
    assertEquals(j.get("factor_vae_metric").asDouble(), again[1], 0.0, "FactorVAE metric from the dump");
    assertEquals(j.get("mig").asDouble(), again[2], 0.0, "MIG from the dump");
    int active = j.get("factor_vae_active_dims").asInt();
    assertTrue(active >= 1 && active <= z, r.out());
    assertEquals("raw", j.at("/samples/beta_vae_metric/features").asText());
  }

  @Test
  void dumpNeverWritesIntoADirectoryThatHoldsSomething() throws IOException {
    Path dump = dir.resolve("taken");
    java.nio.file.Files.createDirectories(dump);
    Path keep = dump.resolve("notes.txt");
    java.nio.file.Files.writeString(keep, "mine");
    Cli.Result r = Cli.run("score", "--checkpoint", run.toString(), "--samples", "small", "--device", "cpu",
        "--dump", dump.toString());
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(List.of("betavae score: --dump: expected a new or empty directory but " + dump + " is not empty"), r.errLines());
    assertEquals("", r.out());
    assertEquals("mine", java.nio.file.Files.readString(keep));
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dump)) {
      assertEquals(1, files.count(), "nothing added to " + dump);
    }
  }

  private static void expectHeader(Path dir, String name, Npy.DType type, long... shape) {
    Npy.Header h = Npy.readHeader(dir.resolve(name));
    assertEquals(type, h.dtype(), name);
    assertEquals(java.util.Arrays.toString(shape), java.util.Arrays.toString(h.shape()), name);
  }

  @Test
  void dataWithoutAFactorGridIsRefusedInOneLine() throws IOException {
    Path npy = dir.resolve("plain.npy");
    Npy.writeFloat32(npy, new float[4 * 4096], 4, 4096);
    Cli.Result r = Cli.run("score", "--checkpoint", run.toString(), "--data", npy.toString(), "--device", "cpu");
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().startsWith("betavae score: --data " + npy + ": disentanglement needs a full factor grid"), r.err());
    assertEquals("", r.out());
    Cli.Result bad = Cli.run("score", "--checkpoint", run.toString(), "--samples", "huge");
    assertEquals(Main.USAGE, bad.rc());
    assertEquals("betavae score: --samples: expected small or default but found huge", bad.errLines().get(0));
    assertFalse(bad.err().contains("\tat "));
  }
}
