package io.github.betavae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep as a Spark job in local[2] mode (loopback only): the same run bytes and the same table as
 * the sweep run locally; a task stopped on its first attempt is retried, resumes and ends the same;
 * a bad output path is one line, exit 2.
 */
class SparkSweepTest {
  static JavaSparkContext jsc;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    // local[2, 3]: two task slots, up to three attempts per task
    SparkConf conf = new SparkConf().setMaster("local[2,3]").setAppName("betavae-sweep-test")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false");
    jsc = new JavaSparkContext(conf);
  }

  @AfterAll
  static void stop() {
    if (jsc != null) jsc.close();
  }

  private static List<String> args(String out) {
    return new ArrayList<>(List.of("--betas", "0.5,4", "--seeds", "2", "--val-fraction", "0.002", "--score-samples", "none",
        "--out", out, "--data", "dsprites", "--subset", "300", "--encoder", "48", "--decoder", "48", "--latent", "2",
        "--batch", "16", "--lr", "1e-3", "--steps", "60", "--checkpoint-every", "5", "--checkpoint-every-minutes", "0"));
  }

  private static void sameRuns(Path a, Path b) throws Exception {
    for (String run : List.of("beta-0.5-seed-0", "beta-0.5-seed-1", "beta-4-seed-0", "beta-4-seed-1")) {
      for (String f : List.of("model.safetensors", "optimizer.safetensors", "metrics.csv")) {
        assertArrayEquals(Files.readAllBytes(a.resolve(run).resolve(f)), Files.readAllBytes(b.resolve(run).resolve(f)), run + "/" + f);
      }
    }
    assertEquals(Files.readString(a.resolve("sweep.csv")), Files.readString(b.resolve("sweep.csv")));
  }

  private Path localSweep() {
    Path local = dir.resolve("local");
    List<String> a = new ArrayList<>(List.of("sweep"));
    a.addAll(args(local.toString()));
    a.addAll(List.of("--device", "cpu", "--threads", "1", "--quiet"));
    StringWriter err = new StringWriter();
    assertEquals(0, Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), a.toArray(new String[0])), err.toString());
    return local;
  }

  @Test
  void aSparkSweepEqualsTheLocalSweepAndARetriedTaskResumes() throws Exception {
    Path local = localSweep();

    Path shared = dir.resolve("shared");
    StringWriter err = new StringWriter();
    int rc = SparkSweep.run(jsc, args(shared.toString()), new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    assertEquals(0, rc, err.toString());
    sameRuns(local, shared);

    // Through the Hadoop file system API (file://), with the first attempt of run 1 stopped after 5 steps.
    Path viaHadoop = dir.resolve("hadoop");
    System.setProperty(SparkSweep.FAULT, "1");
    int before = SparkSweep.FAULTS_FIRED.get();
    try {
      err = new StringWriter();
      rc = SparkSweep.run(jsc, args(viaHadoop.toUri().toString()), new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    } finally {
      System.clearProperty(SparkSweep.FAULT);
    }
    assertEquals(0, rc, err.toString());
    assertEquals(before + 1, SparkSweep.FAULTS_FIRED.get(), "the fault hook stopped the first attempt");
    sameRuns(local, viaHadoop);
    assertTrue(Files.isRegularFile(viaHadoop.resolve("sweep.md")));
  }

  @Test
  void anOutputPathNoExecutorCanReachIsOneLine() {
    StringWriter err = new StringWriter();
    int rc = SparkSweep.run(jsc, args(dir.resolve("no/such/parent/sweep").toString()), new PrintWriter(new StringWriter()),
        new PrintWriter(err, true));
    assertEquals(Main.USAGE, rc);
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
    assertTrue(err.toString().contains("expected its parent directory to exist"), err.toString());
    StringWriter err2 = new StringWriter();
    List<String> a = args(dir.resolve("x").toString());
    a.add("--plan");
    assertEquals(Main.USAGE, SparkSweep.run(jsc, a, new PrintWriter(new StringWriter()), new PrintWriter(err2, true)));
    assertTrue(err2.toString().contains("--plan is the job's own"), err2.toString());
  }
}
