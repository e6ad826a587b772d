package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.checkpoint.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A two-run sweep on a tiny network: the table and the direction of the β trade-off. */
class SweepCommandTest {
  @TempDir Path dir;

  private static List<String> sweep(Path out, String... extra) {
    List<String> a = Cli.args("sweep", "--betas", "0.1,8", "--val-fraction", "0.0005", "--out", out.toString(),
        "--data", "dsprites", "--subset", "1000", "--encoder", "32", "--decoder", "32", "--latent", "4", "--batch", "32",
        "--lr", "1e-3", "--steps", "150", "--device", "cpu", "--quiet");
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void oneRowPerRunAndReconRisesWhileKlFallsWithBeta() throws IOException {
    Path out = dir.resolve("sweep");
    Cli.Result r = Cli.run(sweep(out));
    assertEquals(0, r.rc(), r.toString());
    assertEquals(0.1, RunConfig.read(out.resolve("beta-0.1-seed-0/config.json")).objective().beta());
    assertEquals(8.0, RunConfig.read(out.resolve("beta-8-seed-0/config.json")).objective().beta());
    List<String> lines = Files.readAllLines(out.resolve("sweep.csv"));
    assertEquals(String.join(",", SweepTable.COLUMNS), lines.get(0));
    assertEquals(3, lines.size(), "one row per run: " + lines);
    List<Map<String, String>> rows = lines.stream().skip(1).map(l -> {
      String[] c = l.split(",", -1);
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i < c.length; i++) m.put(SweepTable.COLUMNS.get(i), c[i]);
      return m;
    }).toList();
    Map<String, String> low = rows.get(0), high = rows.get(1);
    assertEquals("0.1", low.get("beta"));
    assertEquals("8", high.get("beta"));
    assertEquals("beta-8-seed-0", high.get("run"));
    assertEquals(low.get("n"), high.get("n"), "the same held-out set for every run");
    assertTrue(d(high, "recon") > d(low, "recon"), "recon rises with β: " + lines);
    assertTrue(d(high, "kl") < d(low, "kl"), "KL falls with β: " + lines);
    assertTrue(d(high, "mutual_info") < d(low, "mutual_info"), "I(x; z) falls with β: " + lines);
    // The seed's mechanism: a larger β pulls the aggregate posterior towards the prior.
    assertTrue(d(high, "agg_kl") < d(low, "agg_kl"), "agg_kl falls with β: " + lines);
    assertTrue(d(high, "agg_mmd") < d(low, "agg_mmd"), "agg_mmd falls with β: " + lines);
    assertEquals(low.get("n"), low.get("mi_batch"), "the all-N estimate by default");
    for (Map<String, String> row : rows) {
      for (String k : List.of("beta_vae_metric", "factor_vae_metric", "mig")) {
        assertTrue(d(row, k) >= 0 && d(row, k) <= 1, k + " in [0, 1]: " + row);
      }
      assertTrue(d(row, "prior_sample_entropy") > 0 && d(row, "prior_sample_entropy") < 1, row.toString());
    }
    String md = Files.readString(out.resolve("sweep.md"));
    assertTrue(md.contains("| 8 | 0 | beta-8-seed-0 |"), md);
    assertTrue(r.out().contains("sweep.csv, " + out.resolve("sweep.md") + ", " + out.resolve("rate_distortion.png")
        + " and " + out.resolve("aggregate_posterior.png") + ": 2 runs"), r.out());
    java.awt.image.BufferedImage rd = javax.imageio.ImageIO.read(out.resolve("rate_distortion.png").toFile());
    assertEquals(io.github.betavae.viz.Plots.WIDTH, rd.getWidth(), "rate-distortion figure is a readable PNG");
    java.awt.image.BufferedImage agg = javax.imageio.ImageIO.read(out.resolve("aggregate_posterior.png").toFile());
    assertEquals(2 * io.github.betavae.viz.Plots.PANEL_HEIGHT, agg.getHeight(), "aggregate-posterior figure is a readable PNG");
  }

  private static double d(Map<String, String> row, String k) {
    return Double.parseDouble(row.get(k));
  }

  @Test
  void optionsTheSweepSetsAreRefusedBeforeAnyTraining() throws IOException {
    Path out = dir.resolve("bad");
    for (List<String> extra : List.of(List.of("--beta", "3"), List.of("--seed=4"), List.of("--nonsense"),
        List.of("--score-samples", "huge"))) {
      Cli.Result r = Cli.run(sweep(out, extra.toArray(new String[0])));
      assertEquals(Main.USAGE, r.rc(), r.toString());
      assertEquals(1, r.errLines().size(), r.err());
      assertFalse(Files.exists(out), "nothing written for " + extra);
    }
    Cli.Result r = Cli.run(sweep(out, "--beta", "3"));
    assertTrue(r.err().startsWith("betavae sweep: --beta is set by the sweep"), r.err());
  }
}
