package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep run by any scheduler, one run per task (--plan, --index, --collect), and a sweep that is
 * stopped and run again: finished runs are kept, the unfinished one resumes, the table is the same.
 */
class SweepSchedulingTest {
  @TempDir Path dir;

  private static List<String> sweep(Path out, String steps, String... extra) {
    List<String> a = new ArrayList<>(List.of("sweep", "--betas", "0.5,4", "--seeds", "2", "--val-fraction", "0.002",
        "--score-samples", "none", "--out", out.toString(), "--data", "dsprites", "--subset", "300", "--encoder", "16",
        "--decoder", "16", "--latent", "2", "--batch", "16", "--lr", "1e-3", "--steps", steps, "--device", "cpu",
        "--threads", "1", "--checkpoint-every-minutes", "0", "--quiet"));
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void planIndexAndCollectRunOneTaskAtATime() throws Exception {
    Path out = dir.resolve("array");
    Cli.Result plan = Cli.run(sweep(out, "20", "--plan"));
    assertEquals(0, plan.rc(), plan.toString());
    assertEquals(List.of("0 0.5 0 " + out.resolve("beta-0.5-seed-0"), "1 0.5 1 " + out.resolve("beta-0.5-seed-1"),
        "2 4 0 " + out.resolve("beta-4-seed-0"), "3 4 1 " + out.resolve("beta-4-seed-1")), plan.out().strip().lines().toList());
    assertFalse(Files.exists(out), "--plan writes nothing");

    for (int k : new int[] {3, 1}) assertEquals(0, Cli.run(sweep(out, "20", "--index", Integer.toString(k))).rc());
    assertTrue(Files.exists(out.resolve("beta-4-seed-1/model.safetensors")));
    assertFalse(Files.exists(out.resolve("beta-0.5-seed-0")), "only the runs asked for");
    Cli.Result collect = Cli.run(sweep(out, "20", "--collect"));
    assertEquals(0, collect.rc(), collect.toString());
    List<String> csv = Files.readAllLines(out.resolve(SweepTable.CSV));
    assertEquals(3, csv.size(), "the two finished runs: " + csv);
    assertTrue(collect.err().contains("beta-0.5-seed-0 is not finished; left out of the table"), collect.err());

    Cli.Result other = Cli.run(sweep(out, "30", "--index", "0"));
    assertEquals(Main.USAGE, other.rc());
    assertTrue(other.err().contains("holds another sweep"), other.err());
    Cli.Result bad = Cli.run(sweep(out, "20", "--index", "4"));
    assertEquals(Main.USAGE, bad.rc());
    assertTrue(bad.err().contains("--index: expected 0 to 3"), bad.err());
  }

  @Test
  void aStoppedSweepRunAgainKeepsFinishedRunsAndResumesTheRest() throws Exception {
    Path out = dir.resolve("stopped"), whole = dir.resolve("whole");
    List<String> args = sweep(out, "300");
    Process p = ChildJvm.start(args, dir.resolve("child.log"));
    Path second = out.resolve("beta-0.5-seed-1/metrics.csv");
    long deadline = System.currentTimeMillis() + 120_000;
    while (!Files.exists(second) || Files.readAllLines(second).size() < 40) {
      if (!p.isAlive()) fail("the sweep ended early: " + Files.readString(dir.resolve("child.log")));
      if (System.currentTimeMillis() > deadline) fail("no progress: " + Files.readString(dir.resolve("child.log")));
      Thread.sleep(5);
    }
    p.destroy(); // SIGTERM: the run under way saves at its next step
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(143, p.exitValue(), Files.readString(dir.resolve("child.log")));
    byte[] firstRun = Files.readAllBytes(out.resolve("beta-0.5-seed-0/model.safetensors"));
    long saved = RunConfig.read(out.resolve("beta-0.5-seed-1/config.json")).training().stepsDone();
    assertTrue(saved > 0 && saved < 300, "the second run stopped part way: " + saved);

    Cli.Result again = Cli.run(args);
    assertEquals(0, again.rc(), again.toString());
    assertArrayEquals(firstRun, Files.readAllBytes(out.resolve("beta-0.5-seed-0/model.safetensors")), "the finished run is kept");
    assertEquals(0, Cli.run(sweep(whole, "300")).rc());
    assertEquals(Files.readString(whole.resolve(SweepTable.CSV)).replace(whole.toString(), "D"),
        Files.readString(out.resolve(SweepTable.CSV)).replace(out.toString(), "D"), "the same table as a sweep never stopped");
    for (String run : List.of("beta-0.5-seed-1", "beta-4-seed-1")) {
      assertArrayEquals(Files.readAllBytes(whole.resolve(run).resolve(Checkpoint.MODEL)),
          Files.readAllBytes(out.resolve(run).resolve(Checkpoint.MODEL)), run);
    }
  }

  @Test
  void tasksOfOneArrayMayStartTogetherOnANewDirectory() throws Exception {
    Path out = dir.resolve("together");
    Cli.Result[] results = new Cli.Result[4];
    Thread[] tasks = new Thread[4];
    for (int k = 0; k < 4; k++) {
      int index = k;
      tasks[k] = new Thread(() -> results[index] = Cli.run(sweep(out, "10", "--index", Integer.toString(index))));
    }
    for (Thread t : tasks) t.start();
    for (Thread t : tasks) t.join();
    for (Cli.Result r : results) assertEquals(0, r.rc(), r.toString());
    assertEquals(0, Cli.run(sweep(out, "10", "--collect")).rc());
    assertEquals(5, Files.readAllLines(out.resolve(SweepTable.CSV)).size(), "all four runs in the table");

    Path stray = dir.resolve("stray");
    Files.createDirectories(stray);
    Files.writeString(stray.resolve("notes.txt"), "mine");
    Cli.Result r = Cli.run(sweep(stray, "10", "--index", "0"));
    assertEquals(Main.USAGE, r.rc(), r.toString());
    assertTrue(r.err().contains("holds notes.txt, which is not part of this sweep"), r.err());
  }
}
