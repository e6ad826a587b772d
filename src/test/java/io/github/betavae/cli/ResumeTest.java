package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.betavae.checkpoint.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping a run and resuming it gives the bytes of an uninterrupted run, wherever it stops: after
 * the first step, mid-epoch, across epoch boundaries, and with periodic checkpoints on either side.
 */
class ResumeTest {
  @TempDir Path dir;

  /** 100 samples in batches of 16: 6 steps per epoch, so 20 steps cross three epoch boundaries. */
  static List<String> run(Path out, int steps, String... extra) {
    List<String> a = Cli.args("train", "--data", "dsprites", "--subset", "100", "--encoder", "16", "--decoder", "16",
        "--latent", "3", "--batch", "16", "--lr", "1e-3", "--steps", Integer.toString(steps), "--seed", "5",
        "--device", "cpu", "--threads", "1", "--quiet", "--out", out.toString());
    a.addAll(List.of(extra));
    return a;
  }

  private static List<String> resume(Path out, int steps, String... extra) {
    List<String> a = Cli.args("train", "--resume", out.toString(), "--steps", Integer.toString(steps), "--quiet",
        "--device", "cpu", "--threads", "2");
    a.addAll(List.of(extra));
    return a;
  }

  private static void assertSameRun(Path whole, Path part, String what) throws IOException {
    for (String f : List.of("model.safetensors", "optimizer.safetensors")) {
      assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(part.resolve(f)), what + ": " + f);
    }
    assertEquals(Files.readString(whole.resolve("metrics.csv")), Files.readString(part.resolve("metrics.csv")), what + ": metrics.csv");
    assertEquals(20, RunConfig.read(part.resolve("config.json")).training().stepsDone(), what);
  }

  @Test
  void resumingAtAnyStepReproducesTheUninterruptedRun() throws IOException {
    Path whole = dir.resolve("whole");
    assertEquals(0, Cli.run(run(whole, 20)).rc());
    for (int split : new int[] {1, 7, 13}) {
      Path part = dir.resolve("part" + split);
      Cli.Result first = Cli.run(run(part, split));
      assertEquals(0, first.rc(), first.toString());
      Cli.Result second = Cli.run(resume(part, 20));
      assertEquals(0, second.rc(), second.toString());
      assertSameRun(whole, part, "stopped after step " + split);
    }
  }

  @Test
  void periodicCheckpointsAndResumingTwiceChangeNothing() throws IOException {
    Path whole = dir.resolve("whole");
    assertEquals(0, Cli.run(run(whole, 20)).rc());
    Path part = dir.resolve("part");
    assertEquals(0, Cli.run(run(part, 6, "--checkpoint-every", "4")).rc());
    assertEquals(0, Cli.run(resume(part, 12, "--checkpoint-every", "5")).rc());
    // As if the resumed run had gone on past its last checkpoint and died: rows after it are dropped.
    Files.writeString(part.resolve("metrics.csv"), "13,2,1.0,1.0,0.0,4.000000,0,0,0\n14,2,1.",
        java.nio.file.StandardOpenOption.APPEND);
    assertEquals(0, Cli.run(resume(part, 20, "--checkpoint-every", "1")).rc());
    assertSameRun(whole, part, "stopped at 6 and 12 with checkpoints every 4, 5 and 1 steps");
  }
}
