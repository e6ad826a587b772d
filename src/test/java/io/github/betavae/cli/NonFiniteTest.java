package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A learning rate of 1e30 makes the weights overflow after the first update: training stops with
 * exit code 3 and one line naming the step, keeping the last checkpoint, or with --skip-nonfinite
 * goes on and counts the skipped batches.
 */
class NonFiniteTest {
  @TempDir Path dir;

  static List<String> exploding(Path out, String... extra) {
    List<String> a = Cli.args("train", "--data", "dsprites", "--subset", "64", "--encoder", "8", "--decoder", "8",
        "--latent", "2", "--batch", "8", "--lr", "1e30", "--steps", "6", "--checkpoint-every", "1", "--device", "cpu",
        "--quiet", "--out", out.toString());
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void stopsWithExitCode3AndKeepsTheLastGoodCheckpoint() throws IOException {
    Path out = dir.resolve("run");
    Cli.Result r = Cli.run(exploding(out));
    assertEquals(Main.NON_FINITE, r.rc(), r.toString());
    assertEquals(1, r.errLines().size(), r.err());
    String line = r.errLines().get(0);
    Matcher m = Pattern.compile("betavae train: non-finite (loss \\S+ \\(recon=\\S+, kl=\\S+\\)|gradient in \\S+) at step (\\d+); "
        + "the last checkpoint is kept.*").matcher(line);
    assertTrue(m.matches(), line);
    long bad = Long.parseLong(m.group(2));
    assertTrue(bad >= 2, "the first update starts from finite weights: " + line);
    RunConfig rc = RunConfig.read(out.resolve(Checkpoint.CONFIG));
    assertEquals(bad - 1, rc.training().stepsDone(), "the checkpoint of the step before");
    byte[] model = Files.readAllBytes(out.resolve(Checkpoint.MODEL));
    assertFalse(Files.exists(out.resolve("samples.png")), "no figures from a failed run");

    // Resuming meets the same batch again and stops at the same step, writing nothing new.
    Cli.Result again = Cli.run("train", "--resume", out.toString(), "--device", "cpu", "--quiet");
    assertEquals(Main.NON_FINITE, again.rc(), again.toString());
    assertEquals(r.errLines(), again.errLines());
    assertArrayEquals(model, Files.readAllBytes(out.resolve(Checkpoint.MODEL)));
  }

  @Test
  void skipNonFiniteCountsAndRecordsTheSkippedBatches() throws IOException {
    Path out = dir.resolve("skip");
    Cli.Result r = Cli.run(exploding(out, "--skip-nonfinite"));
    assertEquals(0, r.rc(), r.toString());
    RunConfig rc = RunConfig.read(out.resolve(Checkpoint.CONFIG));
    long skipped = rc.training().skippedNonfinite();
    assertTrue(skipped >= 1 && skipped <= 5, "skipped " + skipped);
    assertEquals(6, rc.training().stepsDone());
    assertTrue(r.out().contains("skipped " + skipped + " batches with a non-finite loss or gradient"), r.out());
    // metrics.csv has no row for a skipped batch.
    assertEquals(1 + 6 - skipped, Files.readAllLines(out.resolve("metrics.csv")).size());
    // Resuming adds to the count in config.json.
    Cli.Result more = Cli.run("train", "--resume", out.toString(), "--steps", "8", "--skip-nonfinite", "--device", "cpu", "--quiet");
    assertEquals(0, more.rc(), more.toString());
    long after = RunConfig.read(out.resolve(Checkpoint.CONFIG)).training().skippedNonfinite();
    assertTrue(after >= skipped && after <= skipped + 2, skipped + " then " + after);
  }
}
