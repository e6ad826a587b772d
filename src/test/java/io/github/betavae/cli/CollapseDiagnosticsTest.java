package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.train.CollapseMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collapse demonstration on a tiny network: a large β drives every latent dimension to the prior,
 * and free bits keep them active, as read from diagnostics.csv.
 */
class CollapseDiagnosticsTest {
  @TempDir Path dir;

  static List<String> run(Path out, String... extra) {
    List<String> a = Cli.args("train", "--data", "dsprites", "--subset", "1000", "--val-fraction", "0.0005",
        "--diag-every", "100", "--encoder", "32", "--decoder", "32", "--latent", "4", "--batch", "32", "--lr", "1e-3",
        "--steps", "300", "--seed", "1", "--device", "cpu", "--out", out.toString());
    a.addAll(List.of(extra));
    return a;
  }

  /** Active units of each row of diagnostics.csv. */
  static List<Integer> activeUnits(Path out) throws IOException {
    List<String> lines = Files.readAllLines(out.resolve("diagnostics.csv"));
    int col = List.of(lines.get(0).split(",")).indexOf("active_units");
    return lines.stream().skip(1).map(l -> Integer.parseInt(l.split(",")[col])).toList();
  }

  @Test
  void largeBetaCollapsesAndFreeBitsRescue() throws IOException {
    Path collapsed = dir.resolve("collapsed"), rescued = dir.resolve("rescued");
    Cli.Result r = Cli.run(run(collapsed, "--beta", "500"));
    assertEquals(0, r.rc(), r.toString());
    List<String> csv = Files.readAllLines(collapsed.resolve("diagnostics.csv"));
    assertEquals(CollapseMonitor.header(4), csv.get(0));
    assertEquals(List.of("100", "200", "300"), csv.stream().skip(1).map(l -> l.split(",")[0]).toList());
    assertTrue(csv.get(1).startsWith("100,369,"), "0.0005 of 737,280 held out: " + csv.get(1));
    assertEquals(0, (int) activeUnits(collapsed).get(2), csv.toString());
    assertTrue(r.err().contains("posterior collapse: 0/4 latent dimensions active at step 300"), r.err());
    assertTrue(r.out().contains("posterior collapse: 0/4 latent dimensions active at step 300"), "in the summary: " + r.out());
    assertEquals(0.0005, RunConfig.read(collapsed.resolve("config.json")).diagnostics().valFraction());

    Cli.Result f = Cli.run(run(rescued, "--beta", "500", "--free-bits", "1", "--quiet"));
    assertEquals(0, f.rc(), f.toString());
    assertEquals(4, (int) activeUnits(rescued).get(2));
    assertFalse(f.out().contains("posterior collapse"), f.out());
    assertTrue(f.out().contains("active units 4/4"), f.out());
  }

  @Test
  void resumedDiagnosticsMatchAnUninterruptedRun() throws IOException {
    Path whole = dir.resolve("whole"), part = dir.resolve("part");
    List<String> w = run(whole, "--quiet", "--threads", "1");
    w.set(w.indexOf("--steps") + 1, "200");
    List<String> p = run(part, "--quiet", "--threads", "2");
    p.set(p.indexOf("--steps") + 1, "100");
    assertEquals(0, Cli.run(w).rc());
    assertEquals(0, Cli.run(p).rc());
    Files.writeString(part.resolve("diagnostics.csv"), "150,369,1.0\n", java.nio.file.StandardOpenOption.APPEND);
    Cli.Result r = Cli.run("train", "--resume", part.toString(), "--steps", "200", "--quiet", "--device", "cpu");
    assertEquals(0, r.rc(), r.toString());
    assertEquals(Files.readString(whole.resolve("diagnostics.csv")), Files.readString(part.resolve("diagnostics.csv")),
        "same held-out split, same rows, whatever the thread count");
  }
}
