package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sweep --devices}: the grid's runs side by side, the same bytes as one after another. */
class ParallelSweepTest {
  @TempDir Path dir;

  private static List<String> sweep(Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("sweep", "--betas", "0.5,4", "--seeds", "2", "--val-fraction", "0.002",
        "--score-samples", "none", "--out", out.toString(), "--data", "dsprites", "--subset", "300", "--encoder", "16",
        "--decoder", "16", "--latent", "2", "--batch", "16", "--lr", "1e-3", "--steps", "15",
        "--checkpoint-every-minutes", "0", "--quiet"));
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void runsSideBySideEqualRunsOneAfterAnother() throws Exception {
    Path seq = dir.resolve("seq"), par = dir.resolve("par");
    Cli.Result a = Cli.run(sweep(seq, "--device", "cpu", "--threads", "1"));
    assertEquals(0, a.rc(), a.toString());
    Cli.Result b = Cli.run(sweep(par, "--devices", "cpu"));
    assertEquals(0, b.rc(), b.toString());
    assertTrue(b.err().contains("sweep: run 4/4 finished") || b.err().contains("finished"), b.err());
    for (String run : List.of("beta-0.5-seed-0", "beta-0.5-seed-1", "beta-4-seed-0", "beta-4-seed-1")) {
      for (String f : List.of("model.safetensors", "optimizer.safetensors", "metrics.csv")) {
        assertArrayEquals(Files.readAllBytes(seq.resolve(run).resolve(f)), Files.readAllBytes(par.resolve(run).resolve(f)), run + "/" + f);
      }
    }
    assertEquals(Files.readString(seq.resolve(SweepTable.CSV)), Files.readString(par.resolve(SweepTable.CSV)));
    Cli.Result again = Cli.run(sweep(par, "--devices", "cpu"));
    assertEquals(0, again.rc(), "run again: everything finished, the table rebuilt: " + again);
    assertEquals(Files.readString(seq.resolve(SweepTable.CSV)), Files.readString(par.resolve(SweepTable.CSV)));
  }

  @Test
  void aFailedRunIsNamedAndTheOthersGoOn() throws Exception {
    Path par = dir.resolve("broken");
    Files.createDirectories(par.resolve("beta-4-seed-0"));
    Files.writeString(par.resolve("beta-4-seed-0/config.json"), "{ not json");
    Cli.Result r = Cli.run(sweep(par, "--devices", "cpu"));
    assertEquals(1, r.rc(), r.toString());
    assertTrue(r.out().contains("3 runs; 1 failed: beta-4-seed-0 (exit code 2)"), r.out());
    assertTrue(Files.readString(par.resolve(SweepTable.MD)).contains("Failed runs"), "named in sweep.md");
    assertEquals(4, Files.readAllLines(par.resolve(SweepTable.CSV)).size(), "the three good runs are in the table");
    assertTrue(r.err().contains("config.json"), "the failed run said why: " + r.err());
  }

  @Test
  void deviceAndThreadsAreSetByDevices() {
    Cli.Result r = Cli.run(sweep(dir.resolve("x"), "--devices", "cpu", "--threads", "2"));
    assertEquals(Main.USAGE, r.rc());
    assertTrue(r.err().contains("--threads cannot be given with --devices"), r.err());
  }

  @Test
  void slotsSplitTheCoresOrTakeOneGpuEach() {
    assertEquals(List.of(new SweepCommand.Slot("cpu", 1), new SweepCommand.Slot("cpu", 1)), SweepCommand.slots("cpu", 4, 2, 0));
    assertEquals(4, SweepCommand.slots("cpu", 4, 16, 0).size());
    assertEquals(4, SweepCommand.slots("cpu", 4, 16, 0).get(0).threads());
    assertEquals(List.of(new SweepCommand.Slot("cpu", 8)), SweepCommand.slots("cpu", 1, 8, 0));
    assertEquals(List.of(new SweepCommand.Slot("cuda:0", 0), new SweepCommand.Slot("cuda:2", 0)), SweepCommand.slots("cuda:0,2", 9, 8, 4));
    assertEquals(List.of(new SweepCommand.Slot("cuda:0", 0), new SweepCommand.Slot("cuda:1", 0)), SweepCommand.slots("all", 9, 8, 2));
    assertEquals("cpu", SweepCommand.slots("all", 3, 2, 0).get(0).device());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepCommand.slots("cuda:0,0", 2, 2, 1));
    assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SweepCommand.slots("gpu", 2, 2, 1));
    assertTrue(e.getMessage().contains("expected cpu, all or cuda:N,M"), e.getMessage());
  }
}
