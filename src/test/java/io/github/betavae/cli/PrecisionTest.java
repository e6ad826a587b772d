package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.cuda.Emulator;
import io.github.betavae.checkpoint.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --precision fp32|tf32} (DESIGN §12): recorded, kept by resume, really applied, close to FP32. */
class PrecisionTest {
  @TempDir Path dir;

  private static List<String> train(Path out, int steps, String device, String... extra) {
    List<String> a = new ArrayList<>(Cli.args("train", "--data", "dsprites", "--subset", "200", "--encoder", "32", "--decoder",
        "32", "--latent", "4", "--batch", "16", "--steps", Integer.toString(steps), "--seed", "3", "--device", device,
        "--quiet", "--out", out.toString()));
    a.addAll(List.of(extra));
    return a;
  }

  /** The loss column of metrics.csv. */
  private static double[] losses(Path run) throws IOException {
    List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
    double[] l = new double[lines.size() - 1];
    for (int i = 1; i < lines.size(); i++) l[i - 1] = Double.parseDouble(lines.get(i).split(",")[2]);
    return l;
  }

  @Test
  void aTf32RunStaysCloseToFp32ButIsNotIt() throws IOException {
    Path fp32 = dir.resolve("fp32"), tf32 = dir.resolve("tf32");
    assertEquals(0, Cli.run(train(fp32, 100, "cpu")).rc());
    Cli.Result r = Cli.run(train(tf32, 100, "cpu", "--precision", "tf32"));
    assertEquals(0, r.rc(), r.toString());
    assertEquals("tf32", RunConfig.read(tf32.resolve("config.json")).training().precision());
    assertEquals("fp32", RunConfig.read(fp32.resolve("config.json")).training().precision());
    double[] a = losses(fp32), b = losses(tf32);
    assertEquals(100, b.length);
    double last = Math.abs(a[99] - b[99]) / Math.abs(a[99]);
    assertTrue(last <= 1e-2, "the TF32 run's last loss " + b[99] + " vs FP32's " + a[99]);
    assertFalse(java.util.Arrays.equals(Files.readAllBytes(fp32.resolve("model.safetensors")),
        Files.readAllBytes(tf32.resolve("model.safetensors"))), "TF32 weights equal FP32's: the rounding is not applied");
  }

  @Test
  void resumeKeepsTheRunsPrecisionAndRefusesAnother() throws IOException {
    Path whole = dir.resolve("whole"), part = dir.resolve("part");
    assertEquals(0, Cli.run(train(whole, 12, "cpu", "--precision", "tf32")).rc());
    assertEquals(0, Cli.run(train(part, 5, "cpu", "--precision", "tf32")).rc());
    Cli.Result refused = Cli.run("train", "--resume", part.toString(), "--steps", "12", "--precision", "fp32", "--quiet");
    assertEquals(2, refused.rc(), refused.toString());
    assertTrue(refused.err().contains("--precision cannot be given with --resume"), refused.err());
    assertEquals(0, Cli.run("train", "--resume", part.toString(), "--steps", "12", "--quiet").rc());
    assertArrayEquals(Files.readAllBytes(whole.resolve("model.safetensors")), Files.readAllBytes(part.resolve("model.safetensors")),
        "a resumed TF32 run equals the run through");
    assertEquals(Files.readString(whole.resolve("metrics.csv")), Files.readString(part.resolve("metrics.csv")));
  }

  @Test
  void theEmulatedCudaEngineInTf32AgreesWithTheCpuInTf32() throws IOException {
    Emulator.assumeBuilt();
    Path cpu = dir.resolve("cpu"), emu = dir.resolve("emu");
    assertEquals(0, Cli.run(train(cpu, 20, "cpu", "--precision", "tf32")).rc());
    Cli.Result r = Cli.run(train(emu, 20, "cuda-emu", "--precision", "tf32"));
    assertEquals(0, r.rc(), r.toString());
    double[] a = losses(cpu), b = losses(emu);
    for (int i = 0; i < 20; i++) {
      assertTrue(Math.abs(a[i] - b[i]) <= 1e-4 * Math.abs(a[i]), "step " + (i + 1) + ": cpu " + a[i] + " cuda-emu " + b[i]);
    }
  }

  @Test
  void aPrecisionThatDoesNotExistIsAUsageError() {
    Cli.Result r = Cli.run(train(dir.resolve("x"), 2, "cpu", "--precision", "bf16"));
    assertEquals(2, r.rc());
    assertTrue(r.err().contains("--precision must be fp32 or tf32 but was 'bf16'"), r.err());
    assertFalse(Files.exists(dir.resolve("x")), "nothing written");
  }
}
