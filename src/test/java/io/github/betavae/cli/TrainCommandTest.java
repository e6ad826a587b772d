package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end training through the command line on a small dSprites subset with a tiny network. */
class TrainCommandTest {
  @TempDir Path dir;

  /** A few seconds of work: 400 dSprites images, 4096 → 24 → [3] → 24 → 4096. */
  static List<String> tiny(Path out, int steps) {
    return Cli.args("train", "--data", "dsprites", "--subset", "400", "--encoder", "24", "--decoder", "24",
        "--latent", "3", "--batch", "16", "--lr", "1e-3", "--steps", Integer.toString(steps), "--seed", "3",
        "--device", "cpu", "--quiet", "--out", out.toString());
  }

  @Test
  void writesTheWholeRunDirectory() throws IOException {
    Path out = dir.resolve("run");
    Cli.Result r = Cli.run(tiny(out, 12));
    assertEquals(0, r.rc(), r.toString());
    assertEquals("", r.err(), "--quiet prints nothing on stderr");
    assertTrue(r.out().startsWith("wrote " + out + " after 12 steps"), r.out());
    for (String f : List.of("model.safetensors", "optimizer.safetensors", "config.json", "metrics.csv", "samples.png",
        "reconstructions.png")) {
      assertTrue(Files.isRegularFile(out.resolve(f)), "missing " + f);
    }
    RunConfig c = RunConfig.read(out.resolve("config.json"));
    assertEquals(4096, c.model().inputSize());
    assertEquals(List.of(24), c.model().encoder());
    assertEquals("relu", c.model().encoderActivation());
    assertEquals("tanh", c.model().decoderActivation());
    assertEquals(4.0, c.objective().beta());
    assertEquals(1e-3, c.optimizer().lr());
    assertEquals(12, c.training().stepsDone());
    assertEquals(3, c.training().seed());
    assertEquals("dsprites", c.data().spec());
    assertEquals(400, c.data().subset());
    assertEquals("cpu", c.provenance().backend());
    List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals("step,epoch,loss,recon,kl,beta,kl_0,kl_1,kl_2", csv.get(0));
    assertEquals(13, csv.size());
    BufferedImage samples = ImageIO.read(out.resolve("samples.png").toFile());
    assertEquals(8 * 64 + 9 * 2, samples.getWidth(), "64 samples of 64×64 in an 8×8 grid");
    assertEquals(12, Checkpoint.readOptimizer(out.resolve("optimizer.safetensors"), 4096L * 24 + 24 + 6 * 24 + 6
        + 24 * 3 + 24 + 4096 * 24 + 4096).step());
  }

  @Test
  void sameSeedGivesByteIdenticalCheckpointsAcrossRunsAndThreadCounts() throws IOException {
    Path a = dir.resolve("a"), b = dir.resolve("b"), c = dir.resolve("c");
    assertEquals(0, Cli.run(Cli.args(tiny(a, 8), Cli.args("--threads", "1"))).rc());
    assertEquals(0, Cli.run(Cli.args(tiny(b, 8), Cli.args("--threads", "1"))).rc());
    assertEquals(0, Cli.run(Cli.args(tiny(c, 8), Cli.args("--threads", "2"))).rc());
    byte[] ma = Files.readAllBytes(a.resolve("model.safetensors"));
    assertArrayEquals(ma, Files.readAllBytes(b.resolve("model.safetensors")), "two runs, one thread");
    assertArrayEquals(ma, Files.readAllBytes(c.resolve("model.safetensors")), "one thread vs two threads");
    assertArrayEquals(Files.readAllBytes(a.resolve("optimizer.safetensors")), Files.readAllBytes(c.resolve("optimizer.safetensors")));
    assertEquals(Files.readString(a.resolve("metrics.csv")), Files.readString(c.resolve("metrics.csv")));
    Path d = dir.resolve("d");
    List<String> otherSeed = tiny(d, 8);
    otherSeed.set(otherSeed.indexOf("--seed") + 1, "4");
    assertEquals(0, Cli.run(otherSeed).rc());
    assertFalse(java.util.Arrays.equals(ma, Files.readAllBytes(d.resolve("model.safetensors"))), "another seed, same weights");
  }

  @Test
  void resumingReproducesAnUninterruptedRun() throws IOException {
    Path whole = dir.resolve("whole"), part = dir.resolve("part");
    assertEquals(0, Cli.run(tiny(whole, 10)).rc());
    assertEquals(0, Cli.run(tiny(part, 6)).rc());
    // As if the run had gone on past its last checkpoint and died mid-row.
    Files.writeString(part.resolve("metrics.csv"), "7,0,1.0,1.0,0.0,4.000000,0,0,0\n8,0,1.", java.nio.file.StandardOpenOption.APPEND);
    Cli.Result r = Cli.run("train", "--resume", part.toString(), "--steps", "10", "--quiet", "--device", "cpu");
    assertEquals(0, r.rc(), r.toString());
    assertArrayEquals(Files.readAllBytes(whole.resolve("model.safetensors")), Files.readAllBytes(part.resolve("model.safetensors")));
    assertArrayEquals(Files.readAllBytes(whole.resolve("optimizer.safetensors")), Files.readAllBytes(part.resolve("optimizer.safetensors")));
    assertEquals(Files.readString(whole.resolve("metrics.csv")), Files.readString(part.resolve("metrics.csv")));
    assertEquals(10, RunConfig.read(part.resolve("config.json")).training().stepsDone());
    Cli.Result again = Cli.run("train", "--resume", part.toString(), "--steps", "10", "--quiet");
    assertEquals(0, again.rc());
    assertTrue(again.out().startsWith("nothing to do"), again.out());
  }

  @Test
  void progressLinesWhenStderrIsNotATerminal() throws IOException {
    List<String> a = tiny(dir.resolve("p"), 20);
    a.remove("--quiet");
    Cli.Result r = Cli.run(a);
    assertEquals(0, r.rc(), r.toString());
    List<String> lines = r.errLines();
    assertTrue(lines.get(0).startsWith("train: 400 of dSprites"), lines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("step 20/20 (100%)") && l.contains("samples/s") && l.contains("ETA")),
        r.err());
    assertTrue(lines.size() <= 22, "about 20 progress lines, found " + lines.size());
    assertFalse(r.err().contains("\u001b["), "no escape codes");
    assertFalse(r.err().contains("\r"), "no carriage returns");
  }

  @Test
  void npyDataSetsTheInputSize() throws IOException {
    byte[] px = new byte[50 * 64];
    for (int i = 0; i < 50; i++) for (int j = 0; j < 64; j++) px[i * 64 + j] = (byte) ((j / 8 == i % 8 || j % 8 == i % 5) ? 1 : 0);
    Path npy = dir.resolve("bars.npy");
    io.github.betavae.data.Npy.writeUint8(npy, px, 50, 8, 8);
    Path out = dir.resolve("npy-run");
    Cli.Result r = Cli.run("train", "--data", npy.toString(), "--encoder", "16", "--decoder", "16", "--latent", "2",
        "--batch", "10", "--steps", "5", "--quiet", "--device", "cpu", "--out", out.toString());
    assertEquals(0, r.rc(), r.toString());
    RunConfig c = RunConfig.read(out.resolve("config.json"));
    assertEquals(64, c.model().inputSize());
    assertEquals(50, c.data().size());
    assertEquals(npy.toString(), c.data().spec());
    BufferedImage rec = ImageIO.read(out.resolve("reconstructions.png").toFile());
    int cell = 8 * io.github.betavae.viz.ImageGrid.scaleFor(8);
    assertEquals(8 * cell + 9 * 2, rec.getWidth(), "8×8 images, scaled up, 8 per row");
  }

  @Test
  void epochsBudgetDropsTheLastPartialBatch() throws IOException {
    List<String> a = tiny(dir.resolve("e"), 1);
    int i = a.indexOf("--steps");
    a.set(i, "--epochs");
    a.set(i + 1, "1");
    a.set(a.indexOf("--subset") + 1, "70");
    Cli.Result r = Cli.run(a);
    assertEquals(0, r.rc(), r.toString());
    assertTrue(r.out().contains("after 4 steps"), "70 samples in batches of 16: 4 steps, " + r.out());
  }
}
