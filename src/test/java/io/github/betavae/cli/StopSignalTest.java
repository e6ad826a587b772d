package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run stopped by SIGTERM or SIGINT (Ctrl-C) finishes its step, saves, says how to resume
 * and exits 143 / 130; resuming ends byte-identical to a run that was never stopped.
 */
class StopSignalTest {
  @TempDir Path dir;

  private static List<String> net() {
    return List.of("--data", "dsprites", "--subset", "200", "--encoder", "16", "--decoder", "16", "--latent", "2",
        "--batch", "8", "--lr", "1e-3", "--seed", "11", "--device", "cpu", "--threads", "1");
  }

  private static long rows(Path run) {
    try {
      return Files.exists(run.resolve("metrics.csv")) ? Files.readAllLines(run.resolve("metrics.csv")).size() - 1 : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  @Test
  void aStoppedRunSavesAtAStepBoundaryAndResumesBitExactly() throws Exception {
    Random rnd = new Random(7);
    for (String signal : List.of("TERM", "INT")) {
      Path run = dir.resolve("run-" + signal);
      List<String> args = new ArrayList<>(List.of("train"));
      args.addAll(net());
      // No periodic checkpoint: whatever is saved was saved because of the signal.
      args.addAll(List.of("--steps", "1000000", "--checkpoint-every", "0", "--checkpoint-every-minutes", "0", "--quiet",
          "--out", run.toString()));
      Path log = dir.resolve("child-" + signal + ".log");
      Process p = ChildJvm.start(args, log);
      long deadline = System.currentTimeMillis() + 60_000;
      long want = 5 + rnd.nextInt(30);
      while (rows(run) < want) {
        if (!p.isAlive()) fail("child exited early: " + Files.readString(log));
        if (System.currentTimeMillis() > deadline) fail("no progress: " + Files.readString(log));
        Thread.sleep(5);
      }
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
      assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child stops");
      String out = Files.readString(log);
      assertEquals(signal.equals("INT") ? 130 : 143, p.exitValue(), out);
      long step = RunConfig.read(run.resolve(Checkpoint.CONFIG)).training().stepsDone();
      assertTrue(step >= want, "saved at step " + step + ", after at least " + want);
      assertTrue(out.contains("stopped by SIG" + signal + " after step " + step + " of 1000000")
          && out.contains("continue with: betavae train --resume " + run), out);
      assertEquals(step, rows(run), "metrics.csv holds exactly the saved steps");

      long total = step + 3;
      Cli.Result r = Cli.run("train", "--resume", run.toString(), "--steps", Long.toString(total), "--device", "cpu", "--quiet");
      assertEquals(0, r.rc(), r.toString());
      Path whole = dir.resolve("whole-" + signal);
      List<String> a = new ArrayList<>(List.of("train"));
      a.addAll(net());
      a.addAll(List.of("--steps", Long.toString(total), "--quiet", "--out", whole.toString()));
      assertEquals(0, Cli.run(a).rc());
      for (String f : List.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER, "metrics.csv")) {
        assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(run.resolve(f)), f + " after SIG" + signal);
      }
    }
  }

  @Test
  void aBadIntervalIsRefused() {
    Cli.Result r = Cli.run("train", "--checkpoint-every-minutes", "-1", "--out", dir.resolve("x").toString());
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertEquals(List.of("betavae train: --checkpoint-every-minutes must be a finite number ≥ 0 but was -1.0"), r.errLines());
  }
}
