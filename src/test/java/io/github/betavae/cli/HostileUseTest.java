package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.data.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user does around a run that is not a bad value: repeated options, huge but harmless sizes,
 * special files, files that change under a run, errors from the JVM itself.
 */
class HostileUseTest {
  @TempDir Path dir;

  private Path bars(String name) throws IOException {
    Path f = dir.resolve(name);
    Npy.writeUint8(f, BadInputTest.bars(40), 40, 8, 8);
    return f;
  }

  private List<String> tiny(Path data, Path out, String... extra) {
    List<String> a = Cli.args("train", "--data", data.toString(), "--encoder", "8", "--decoder", "8", "--latent", "2",
        "--batch", "8", "--steps", "2", "--device", "cpu", "--quiet", "--out", out.toString());
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void aRepeatedWidthOptionReplacesTheEarlierOne() throws IOException {
    Path out = dir.resolve("run");
    Cli.Result r = Cli.run(tiny(bars("d.npy"), out, "--encoder", "6,5", "--encoder", "4", "--decoder", "none"));
    assertEquals(0, r.rc(), r.toString());
    RunConfig rc = RunConfig.read(out.resolve(Checkpoint.CONFIG));
    assertEquals(List.of(4), rc.model().encoder(), "the last --encoder wins");
    assertEquals(List.of(), rc.model().decoder(), "none means no hidden layer");
  }

  @Test
  void theDataFileIsRecordedAbsoluteWithItsIdentityAndCanBeChangedOnPurpose() throws IOException {
    Path data = bars("d.npy");
    Path out = dir.resolve("run");
    assertEquals(0, Cli.run(tiny(data, out)).rc());
    RunConfig.DataInfo info = RunConfig.read(out.resolve(Checkpoint.CONFIG)).data();
    assertEquals(data.toAbsolutePath().normalize().toString(), info.spec());
    assertEquals(Files.size(data), info.fileBytes());
    assertEquals(RunConfig.DataInfo.fingerprint(data), info.fingerprint());
    // The same shape with other values: refused without --data (BadInputTest), taken with it and recorded.
    byte[] other = BadInputTest.bars(40);
    other[63] = 1;
    Npy.writeUint8(data, other, 40, 8, 8);
    Cli.Result r = Cli.run("train", "--resume", out.toString(), "--data", data.toString(), "--steps", "4", "--device", "cpu",
        "--quiet");
    assertEquals(0, r.rc(), r.toString());
    RunConfig.DataInfo now = RunConfig.read(out.resolve(Checkpoint.CONFIG)).data();
    assertEquals(RunConfig.DataInfo.fingerprint(data), now.fingerprint());
    assertFalse(now.fingerprint().equals(info.fingerprint()));
    assertEquals(4, RunConfig.read(out.resolve(Checkpoint.CONFIG)).training().stepsDone());
  }

  @Test
  void anEvalBatchLargerThanTheDataIsCappedAndChangesNoNumber() throws IOException {
    Path out = dir.resolve("run");
    assertEquals(0, Cli.run(tiny(bars("d.npy"), out)).rc());
    Path in = bars("in.npy");
    Cli.Result small = Cli.run("eval", "--checkpoint", out.toString(), "--input", in.toString(), "--device", "cpu");
    Cli.Result huge = Cli.run("eval", "--checkpoint", out.toString(), "--input", in.toString(), "--device", "cpu", "--batch",
        "2147483647");
    assertEquals(0, huge.rc(), huge.toString());
    JsonNode a = new ObjectMapper().readTree(small.out()), b = new ObjectMapper().readTree(huge.out());
    for (String k : List.of("recon", "kl", "mutual_info", "agg_kl")) assertEquals(a.get(k).asDouble(), b.get(k).asDouble(), k);
  }

  @Test
  void aScoreBatchLargerThanAnyPassIsCappedAndChangesNoNumber() throws IOException {
    Path out = dir.resolve("run");
    Cli.Result t = Cli.run(TrainCommandTest.tiny(out, 5));
    assertEquals(0, t.rc(), t.toString());
    Cli.Result a = Cli.run("score", "--checkpoint", out.toString(), "--samples", "small", "--device", "cpu");
    Cli.Result b = Cli.run("score", "--checkpoint", out.toString(), "--samples", "small", "--device", "cpu", "--batch",
        "2147483647");
    assertEquals(0, b.rc(), b.toString());
    assertEquals(a.out(), b.out());
  }

  @Test
  void aNamedPipeWhereAFileShouldBeIsRefusedNotWaitedOn() throws Exception {
    Path out = dir.resolve("run");
    assertEquals(0, Cli.run(tiny(bars("d.npy"), out)).rc());
    Path config = out.resolve(Checkpoint.CONFIG);
    Files.delete(config);
    Process p;
    try {
      p = new ProcessBuilder("mkfifo", config.toString()).start();
    } catch (IOException e) {
      assumeTrue(false, "no mkfifo on this system");
      return;
    }
    assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo failed");
    for (List<String> cmd : List.of(
        Cli.args("eval", "--checkpoint", out.toString(), "--input", bars("in.npy").toString(), "--device", "cpu"),
        Cli.args("train", "--resume", out.toString(), "--steps", "4", "--device", "cpu", "--quiet"))) {
      Cli.Result r = Cli.run(cmd);
      assertEquals(Main.USAGE, r.rc(), r.toString());
      assertEquals(List.of(r.errLines().get(0)), r.errLines());
      assertTrue(r.err().contains("config.json: expected a regular file but found a special file"), r.err());
    }
  }

  @Test
  void errorsOfTheJvmItselfAreOneLine() {
    String oom = Main.describeFatal(new OutOfMemoryError("Java heap space"));
    assertTrue(oom.startsWith("out of memory (Java heap space; the JVM may use "), oom);
    assertTrue(oom.contains("lower --batch") && oom.contains("-Xmx"), oom);
    String mapped = Main.describeFatal(new InternalError("a fault occurred in an unsafe memory access operation"));
    assertTrue(mapped.contains("memory-mapped data file may have been truncated"), mapped);
    for (String s : List.of(oom, mapped)) assertFalse(s.contains("\n"), s);
  }

  @Test
  void wideCodesGetFiguresOfTheirLargestDimensions() throws IOException {
    // 2,000 latent dimensions: every per-dimension figure shows a bounded number of them.
    int z = 2000;
    StringBuilder csv = new StringBuilder(io.github.betavae.train.MetricsCsv.header(z)).append('\n');
    for (int step = 1; step <= 30; step++) {
      csv.append(step).append(",0,1,1,1,1");
      for (int d = 0; d < z; d++) csv.append(',').append(d == 1234 || d == 7 ? 5.0 : 0.001 * (d % 10));
      csv.append('\n');
    }
    Path m = dir.resolve("metrics.csv");
    Files.writeString(m, csv);
    Path png = dir.resolve("curves.png");
    io.github.betavae.viz.Plots.trainingCurves(m, png);
    assertEquals(2 * io.github.betavae.viz.Plots.PANEL_HEIGHT, javax.imageio.ImageIO.read(png.toFile()).getHeight());
  }
}
