package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.betavae.data.Npy;
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
