package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.checkpoint.RunLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may read or write a run directory, and when: readers never disturb a live writer and always
 * see a complete checkpoint; a second writer is refused while the first lives, and not after it died.
 */
class RunDirectoryOwnershipTest {
  @TempDir Path dir;

  private static List<String> tiny(Path out, long steps) {
    return new ArrayList<>(List.of("train", "--data", "dsprites", "--subset", "200", "--encoder", "16", "--decoder", "16",
        "--latent", "2", "--batch", "8", "--lr", "1e-3", "--seed", "11", "--steps", Long.toString(steps),
        "--checkpoint-every", "1", "--device", "cpu", "--threads", "1", "--quiet", "--out", out.toString()));
  }

  private static long stepsDone(Path run) {
    try {
      return Files.exists(run.resolve(Checkpoint.CONFIG)) ? RunConfig.read(run.resolve(Checkpoint.CONFIG)).training().stepsDone() : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  @Test
  void readersLoopingOverALiveRunNeverFailAndNeverBreakIt() throws Exception {
    Path run = dir.resolve("live");
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger reads = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Cli.Result[] trained = new Cli.Result[1];
    Thread writer = new Thread(() -> {
      trained[0] = Cli.run(tiny(run, 400));
      done.set(true);
    });
    writer.start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (stepsDone(run) < 1 && !done.get()) {
      if (System.currentTimeMillis() > deadline) fail("no first checkpoint in time");
      Thread.sleep(2);
    }
    Thread loader = new Thread(() -> {
      try (CpuBackend be = new CpuBackend(1)) {
        while (!done.get()) {
          try {
            Checkpoint.Loaded l = Checkpoint.load(run, be);
            l.model().close();
            reads.incrementAndGet();
          } catch (Exception e) {
            failures.add("load: " + e);
          }
        }
      }
    });
    loader.start();
    int evals = 0;
    Path png = dir.resolve("s.png");
    while (!done.get()) {
      Cli.Result r = Cli.run("sample", "--checkpoint", run.toString(), "--n", "4", "--device", "cpu", "--out", png.toString());
      if (r.rc() != 0) failures.add("sample: " + r);
      evals++;
    }
    writer.join();
    loader.join();
    assertEquals(0, trained[0].rc(), "the writer finishes: " + trained[0]);
    assertEquals(400, stepsDone(run));
    assertTrue(failures.isEmpty(), failures.size() + " failed reads, first: " + failures.peek());
    assertTrue(reads.get() > 5 && evals > 5, "enough reads overlapped the run: " + reads + " loads, " + evals + " samples");
    try (java.util.stream.Stream<Path> s = Files.list(run)) {
      assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
    }
  }

  @Test
  void aSecondWriterIsRefusedWhileTheFirstLivesInAnotherJvm() throws Exception {
    Path run = dir.resolve("owned");
    Process child = ChildJvm.start(tiny(run, 1_000_000), dir.resolve("child.log"));
    try {
      long deadline = System.currentTimeMillis() + 30_000;
      while (stepsDone(run) < 1) {
        if (!child.isAlive()) fail("child exited: " + Files.readString(dir.resolve("child.log")));
        if (System.currentTimeMillis() > deadline) fail("child wrote no checkpoint in time");
        Thread.sleep(5);
      }
      assertTrue(RunLock.isHeld(run));
      String pid = "pid " + child.pid() + " on ";
      for (List<String> second : List.of(
          List.of("train", "--resume", run.toString(), "--steps", "5", "--device", "cpu", "--quiet"),
          tiny(run, 5).stream().map(a -> a).collect(java.util.stream.Collectors.toCollection(ArrayList::new)))) {
        List<String> args = new ArrayList<>(second);
        if (args.contains("--out")) args.add("--force");
        byte[] before = Files.readAllBytes(run.resolve("metrics.csv"));
        Cli.Result r = Cli.run(args);
        assertEquals(Main.USAGE, r.rc(), r.toString());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("is being written by another run (" + pid), r.err());
        assertTrue(Files.readAllBytes(run.resolve("metrics.csv")).length >= before.length, "the live run's file was not cut");
      }
      // A reader is welcome while the writer lives.
      try (CpuBackend be = new CpuBackend(1)) {
        Checkpoint.load(run, be).model().close();
      }
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    }
    // The OS released the dead writer's lock: the run can be taken over and resumed.
    assertFalse(RunLock.isHeld(run));
    long done = stepsDone(run);
    Cli.Result r = Cli.run("train", "--resume", run.toString(), "--steps", Long.toString(done + 2), "--device", "cpu", "--quiet");
    assertEquals(0, r.rc(), r.toString());
    assertEquals(done + 2, stepsDone(run));
  }

  @Test
  void twoWritersInOneJvmOnOneNewDirectory() throws Exception {
    // The in-process twin of two `train` commands started together on one new --out: one runs, the
    // other stops with exit code 2 before writing anything, and metrics.csv is one run's.
    Path run = dir.resolve("race");
    Cli.Result[] results = new Cli.Result[2];
    Thread[] threads = new Thread[2];
    for (int i = 0; i < 2; i++) {
      int k = i;
      threads[i] = new Thread(() -> results[k] = Cli.run(tiny(run, 150)));
    }
    for (Thread t : threads) t.start();
    for (Thread t : threads) t.join();
    int ok = 0;
    for (Cli.Result r : results) {
      if (r.rc() == 0) {
        ok++;
      } else {
        assertEquals(Main.USAGE, r.rc(), r.toString());
        assertEquals(1, r.errLines().size(), r.err());
      }
    }
    assertTrue(ok >= 1, "at least one run finishes: " + List.of(results));
    List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
    assertEquals(151, metrics.size(), "one header and 150 rows, not two runs interleaved");
  }
}
