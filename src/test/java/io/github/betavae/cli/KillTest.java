package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.checkpoint.AtomicFiles;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.checkpoint.SafeTensors;
import io.github.betavae.model.ParamLayout;
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
 * Kills a training process (the real command line in a child JVM, checkpointing every step) at
 * seeded pseudo-random moments, and checks each time that the run directory holds one complete
 * checkpoint whose three files agree, and that resuming from it gives the bytes of a run that was
 * never interrupted.
 */
class KillTest {
  @TempDir Path dir;

  private static final int KILLS = 5;
  private static final long PATIENCE_MS = 30_000;

  private static List<String> net() {
    return List.of("--data", "dsprites", "--subset", "200", "--encoder", "16", "--decoder", "16", "--latent", "2",
        "--batch", "8", "--lr", "1e-3", "--seed", "11");
  }

  private Process start(List<String> args, Path log) throws IOException {
    return ChildJvm.start(args, log);
  }

  /** steps_done of the run's config.json, or -1 while there is none. */
  private static long stepsDone(Path run) {
    try {
      return Files.exists(run.resolve(Checkpoint.CONFIG)) ? RunConfig.read(run.resolve(Checkpoint.CONFIG)).training().stepsDone() : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  private static long tagOf(Path file) throws IOException {
    try (SafeTensors.Reader r = SafeTensors.open(file)) {
      return Long.parseLong(r.metadata().get("step"));
    }
  }

  @Test
  void killedAtRandomMomentsTheRunDirectoryStaysResumable() throws Exception {
    Path run = dir.resolve("run");
    Random rnd = new Random(20240613L);
    long last = -1;
    for (int k = 0; k < KILLS; k++) {
      List<String> args = new ArrayList<>(List.of("train"));
      if (k == 0) {
        args.addAll(net());
        args.addAll(List.of("--out", run.toString()));
      } else {
        args.addAll(List.of("--resume", run.toString()));
      }
      args.addAll(List.of("--steps", "1000000", "--checkpoint-every", "1", "--device", "cpu", "--threads", "1", "--quiet"));
      Path log = dir.resolve("child" + k + ".log");
      Process p = start(args, log);
      try {
        long deadline = System.currentTimeMillis() + PATIENCE_MS;
        while (stepsDone(run) <= last) {
          if (!p.isAlive()) fail("child " + k + " exited with " + p.exitValue() + ": " + Files.readString(log));
          if (System.currentTimeMillis() > deadline) fail("child " + k + " wrote no checkpoint in time: " + Files.readString(log));
          Thread.sleep(2);
        }
        Thread.sleep(rnd.nextInt(300));
      } finally {
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "child did not die");
      }

      // A kill between the renames of a save is the one moment the files may disagree; then the
      // previous checkpoint must be complete beside them and recover() must put it back.
      Path model = run.resolve(Checkpoint.MODEL), opt = run.resolve(Checkpoint.OPTIMIZER);
      long config = RunConfig.read(run.resolve(Checkpoint.CONFIG)).training().stepsDone();
      if (tagOf(model) != config || tagOf(opt) != config) {
        assertTrue(Files.exists(AtomicFiles.previous(run.resolve(Checkpoint.CONFIG))), "a mix with no previous checkpoint");
        // (counted only by the assertion above: this state is rare, a few microseconds per save)
      }
      long step = Checkpoint.recover(run);
      assertEquals(step, RunConfig.read(run.resolve(Checkpoint.CONFIG)).training().stepsDone());
      assertEquals(step, tagOf(model), "model.safetensors and config.json after kill " + k);
      assertEquals(step, tagOf(opt), "optimizer.safetensors and config.json after kill " + k);
      RunConfig rc = RunConfig.read(run.resolve(Checkpoint.CONFIG));
      assertEquals(step, Checkpoint.readOptimizer(opt, new ParamLayout(rc.vaeConfig()).size()).step());
      try (CpuBackend be = new CpuBackend(1)) {
        Checkpoint.load(run, be).model().close();
      }
      assertTrue(step > last, "kill " + k + ": progress from " + last + " to " + step);
      last = step;
    }

    long total = last + 3;
    Cli.Result r = Cli.run("train", "--resume", run.toString(), "--steps", Long.toString(total), "--device", "cpu", "--quiet");
    assertEquals(0, r.rc(), r.toString());
    Path whole = dir.resolve("whole");
    List<String> a = Cli.args("train");
    a.addAll(net());
    a.addAll(List.of("--steps", Long.toString(total), "--device", "cpu", "--quiet", "--out", whole.toString()));
    assertEquals(0, Cli.run(a).rc());
    for (String f : List.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER)) {
      assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(run.resolve(f)), f + " after " + KILLS + " kills");
    }
    assertEquals(Files.readString(whole.resolve("metrics.csv")), Files.readString(run.resolve("metrics.csv")));
  }
}
