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

  @Test
  void miBatchIsRecordedAndNamedInEveryRow() throws IOException {
    Path out = dir.resolve("batched");
    List<String> a = run(out, "--quiet", "--mi-batch", "50");
    a.set(a.indexOf("--steps") + 1, "100");
    assertEquals(0, Cli.run(a).rc());
    assertEquals(50, RunConfig.read(out.resolve("config.json")).diagnostics().miBatch());
    List<String> csv = Files.readAllLines(out.resolve("diagnostics.csv"));
    List<String> head = List.of(csv.get(0).split(","));
    String[] row = csv.get(1).split(",");
    assertEquals("50", row[head.indexOf("mi_batch")]);
    // The batched estimate lives under log 50 + noise; agg_kl and agg_mmd are finite numbers.
    assertTrue(Double.parseDouble(row[head.indexOf("mutual_info")]) < Math.log(50) + 0.5, csv.get(1));
    assertTrue(Double.isFinite(Double.parseDouble(row[head.indexOf("agg_kl")])), csv.get(1));
    assertTrue(Double.isFinite(Double.parseDouble(row[head.indexOf("agg_mmd")])), csv.get(1));
    Cli.Result bad = Cli.run(run(dir.resolve("bad"), "--mi-batch", "-1"));
    assertEquals(Main.USAGE, bad.rc(), bad.toString());
    assertEquals(List.of("betavae train: --mi-batch must be ≥ 0 (0 = all held-out samples) but was -1"), bad.errLines());
    assertFalse(Files.exists(dir.resolve("bad")), "nothing written");
  }

  @Test
  void resumeUpgradesDiagnosticsWrittenBeforeTheAggregateColumns() throws IOException {
    Path out = dir.resolve("old");
    List<String> a = run(out, "--quiet");
    a.set(a.indexOf("--steps") + 1, "100");
    assertEquals(0, Cli.run(a).rc());
    // Rewrite the run as an older version left it: no mi_batch in config.json, three fewer columns.
    Path cfg = out.resolve("config.json");
    Files.writeString(cfg, Files.readString(cfg).replaceAll(",\\s*\"mi_batch\"\\s*:\\s*0", ""));
    assertFalse(Files.readString(cfg).contains("mi_batch"));
    Path csv = out.resolve("diagnostics.csv");
    List<String> old = Files.readAllLines(csv).stream().map(l -> {
      List<String> c = new java.util.ArrayList<>(List.of(l.split(",", -1)));
      c.subList(7, 10).clear();
      return String.join(",", c);
    }).toList();
    Files.write(csv, old);
    Cli.Result r = Cli.run("train", "--resume", out.toString(), "--steps", "200", "--quiet", "--device", "cpu");
    assertEquals(0, r.rc(), r.toString());
    List<String> now = Files.readAllLines(csv);
    assertEquals(CollapseMonitor.header(4), now.get(0));
    String[] first = now.get(1).split(",", -1), second = now.get(2).split(",", -1);
    assertEquals(List.of("100", "369", "369", "", ""), List.of(first[0], first[1], first[7], first[8], first[9]),
        "an old row: all-N estimate, no aggregate columns");
    assertEquals(old.get(1).split(",")[6], first[6], "its values are kept");
    assertEquals("200", second[0]);
    assertFalse(second[8].isEmpty(), "a new row has agg_kl");
  }
}
