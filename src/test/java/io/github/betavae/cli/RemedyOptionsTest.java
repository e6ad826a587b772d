package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.loss.BetaSchedule;
import io.github.betavae.loss.Objective;
import io.github.betavae.loss.ObjectiveSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The objective flags of train: recorded in config.json, followed by training, restored on resume. */
class RemedyOptionsTest {
  @TempDir Path dir;

  private static Objective objectiveOf(Path run) throws IOException {
    return ObjectiveSettings.objective(RunConfig.read(run.resolve("config.json")).objective().settings());
  }

  /** The beta column of metrics.csv, one value per step. */
  private static List<Double> betas(Path run) throws IOException {
    return Files.readAllLines(run.resolve("metrics.csv")).stream().skip(1).map(l -> Double.parseDouble(l.split(",")[5])).toList();
  }

  @Test
  void cyclicalScheduleIsRecordedAndFollowed() throws IOException {
    Path out = dir.resolve("cyc");
    Cli.Result r = Cli.run(Cli.args(TrainCommandTest.tiny(out, 8), Cli.args("--beta-schedule", "cyclical", "--cycles", "2")));
    assertEquals(0, r.rc(), r.toString());
    assertEquals(Objective.scheduled(BetaSchedule.cyclical(4, 8, 2, 0.5)), objectiveOf(out));
    // Steps 0..7 in 2 cycles of 4, rising over the first half: 0, 2, 4, 4, 0, 2, 4, 4.
    assertEquals(List.of(0.0, 2.0, 4.0, 4.0, 0.0, 2.0, 4.0, 4.0), betas(out));
    assertEquals("beta", RunConfig.read(out.resolve("config.json")).objective().type());
  }

  @Test
  void warmupDefaultsToHalfTheRunAndFreeBitsStack() throws IOException {
    Path out = dir.resolve("warm");
    Cli.Result r = Cli.run(Cli.args(TrainCommandTest.tiny(out, 8), Cli.args("--beta-schedule", "warmup", "--free-bits", "0.5")));
    assertEquals(0, r.rc(), r.toString());
    assertEquals(Objective.freeBits(0.5, BetaSchedule.warmup(4, 4)), objectiveOf(out));
    assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0, 4.0), betas(out));
    assertEquals("free-bits", RunConfig.read(out.resolve("config.json")).objective().type());
  }

  @Test
  void capacityResumesWithTheSameObjectiveAndWeights() throws IOException {
    List<String> flags = Cli.args("--capacity", "5", "--gamma", "10", "--capacity-steps", "6");
    Path whole = dir.resolve("whole"), part = dir.resolve("part");
    assertEquals(0, Cli.run(Cli.args(TrainCommandTest.tiny(whole, 8), flags)).rc());
    assertEquals(0, Cli.run(Cli.args(TrainCommandTest.tiny(part, 4), flags)).rc());
    assertEquals(Objective.capacity(10, 5, 6), objectiveOf(part));
    Cli.Result r = Cli.run("train", "--resume", part.toString(), "--steps", "8", "--quiet", "--device", "cpu");
    assertEquals(0, r.rc(), r.toString());
    assertEquals(Objective.capacity(10, 5, 6), objectiveOf(part));
    assertArrayEquals(Files.readAllBytes(whole.resolve("model.safetensors")), Files.readAllBytes(part.resolve("model.safetensors")),
        "a resumed capacity run equals an uninterrupted one");
    Cli.Result refused = Cli.run("train", "--resume", part.toString(), "--steps", "9", "--free-bits", "1", "--quiet");
    assertEquals(Main.USAGE, refused.rc());
    assertTrue(refused.err().startsWith("betavae train: --free-bits cannot be given with --resume"), refused.err());
  }

  /** Exit 2, one line, nothing written. */
  private String failing(String... extra) throws IOException {
    Path out = dir.resolve("bad");
    Cli.Result r = Cli.run(Cli.args(TrainCommandTest.tiny(out, 4), Cli.args(extra)));
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(1, r.errLines().size(), r.err());
    assertFalse(Files.exists(out), "nothing written");
    return r.errLines().get(0);
  }

  @Test
  void invalidCombinationsAreRefusedInOneLine() throws IOException {
    assertEquals("betavae train: --capacity cannot be combined with --free-bits: choose one remedy",
        failing("--capacity", "20", "--free-bits", "0.5"));
    assertEquals("betavae train: --free-bits must be a finite number ≥ 0 but was -0.5", failing("--free-bits", "-0.5"));
    assertEquals("betavae train: --capacity must be a finite number ≥ 0 but was -1.0", failing("--capacity", "-1"));
    assertEquals("betavae train: --beta-schedule: expected constant, warmup or cyclical but found sawtooth",
        failing("--beta-schedule", "sawtooth"));
    assertEquals("betavae train: --cycles needs --beta-schedule cyclical but the schedule is constant", failing("--cycles", "3"));
    assertEquals("betavae train: --cycle-ratio must be in (0, 1] but was 1.5",
        failing("--beta-schedule", "cyclical", "--cycle-ratio", "1.5"));
    assertEquals("betavae train: --gamma and --capacity-steps need --capacity C_MAX", failing("--gamma", "5"));
    assertEquals("betavae train: --capacity replaces β, so it cannot be combined with --beta-schedule warmup",
        failing("--capacity", "5", "--beta-schedule", "warmup"));
  }
}
