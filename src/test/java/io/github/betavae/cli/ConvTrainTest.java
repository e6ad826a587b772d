package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.cuda.Emulator;
import io.github.betavae.checkpoint.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --arch conv|burgess} end to end: the CPU engine and the CUDA kernels on the host
 * harness agree step by step, the same seed gives the same bytes for any thread count, a resumed run
 * equals an uninterrupted one, and the checkpoint holds PyTorch's conv names and shapes.
 */
class ConvTrainTest {
  @TempDir Path dir;

  private static List<String> train(Path out, String arch, String device, int steps, String... more) {
    List<String> a = new java.util.ArrayList<>(Cli.args("train", "--data", "dsprites", "--subset", "16", "--arch", arch,
        "--latent", "4", "--batch", "2", "--steps", Integer.toString(steps), "--seed", "3", "--val-fraction", "0",
        "--device", device, "--quiet", "--out", out.toString()));
    a.addAll(List.of(more));
    return a;
  }

  private static double[] losses(Path run) throws IOException {
    List<String> rows = Files.readAllLines(run.resolve("metrics.csv"));
    int col = List.of(rows.get(0).split(",")).indexOf("loss");
    return rows.stream().skip(1).mapToDouble(r -> Double.parseDouble(r.split(",")[col])).toArray();
  }

  @Test
  void theEmulatedCudaEngineTrainsTheConvNetworkAsTheCpuDoes() throws IOException {
    Emulator.assumeBuilt();
    Path cpu = dir.resolve("cpu"), emu = dir.resolve("emu");
    Cli.Result a = Cli.run(train(cpu, "conv", "cpu", 20));
    assertEquals(0, a.rc(), a.toString());
    Cli.Result b = Cli.run(train(emu, "conv", "cuda-emu", 20, "--profile"));
    assertEquals(0, b.rc(), b.toString());
    String profile = Files.readString(emu.resolve(Profiler.FILE));
    assertTrue(new com.fasterxml.jackson.databind.ObjectMapper().readTree(profile).get("graph").asBoolean(),
        "the conv step is captured and replayed: " + profile);
    double[] lc = losses(cpu), le = losses(emu);
    assertEquals(20, lc.length);
    assertEquals(20, le.length);
    for (int i = 0; i < 20; i++) {
      assertEquals(lc[i], le[i], 1e-4 * Math.abs(lc[i]), "step " + (i + 1) + ": cpu " + lc[i] + ", cuda-emu " + le[i]);
    }
    assertTrue(lc[19] < lc[0], "the loss falls: " + lc[0] + " → " + lc[19]);
    Map<String, SafeTensors.Info> t;
    try (SafeTensors.Reader rd = SafeTensors.open(cpu.resolve("model.safetensors"))) {
      t = rd.tensors();
    }
    assertArrayEquals(new long[] {32, 1, 4, 4}, t.get("encoder.convs.0.weight").shape());
    assertArrayEquals(new long[] {64, 32, 4, 4}, t.get("decoder.deconvs.1.weight").shape());
    assertTrue(!t.containsKey("decoder.out.weight"), "no decoder.out in a conv network: " + t.keySet());
    String config = Files.readString(cpu.resolve("config.json"));
    assertTrue(config.contains("\"architecture\" : \"conv\"") && config.contains("\"input_shape\" : [ 1, 64, 64 ]"), config);
  }

  /**
   * {@code --precision tf32} reaches the convolutions of a run: its losses are not the FP32 run's but
   * stay within 1e-2 of them over 5 steps. (That the CUDA engine's TF32 conv kernels agree with the
   * CPU's TF32 mode is ConvKernelsTest's, on the harness; a cuda-emu run here would cost a minute.)
   */
  @Test
  void tf32ReachesTheConvolutions() throws IOException {
    Path fp32 = dir.resolve("fp32"), tf32 = dir.resolve("tf32");
    for (Cli.Result r : new Cli.Result[] {Cli.run(train(fp32, "conv", "cpu", 5)), Cli.run(train(tf32, "conv", "cpu", 5, "--precision", "tf32"))}) {
      assertEquals(0, r.rc(), r.toString());
    }
    double[] lf = losses(fp32), lt = losses(tf32);
    boolean differs = false;
    for (int i = 0; i < 5; i++) {
      assertEquals(lf[i], lt[i], 1e-2 * Math.abs(lf[i]), "step " + (i + 1) + ": fp32 " + lf[i] + ", tf32 " + lt[i]);
      differs |= lf[i] != lt[i];
    }
    assertTrue(differs, "the TF32 run's losses equal the FP32 run's: " + java.util.Arrays.toString(lf));
    assertTrue(Files.readString(tf32.resolve("config.json")).contains("\"precision\" : \"tf32\""), "config.json records tf32");
  }

  @Test
  void sameSeedSameBytesForAnyThreadCountAndAcrossAResume() throws IOException {
    Path one = dir.resolve("one"), two = dir.resolve("two"), part = dir.resolve("part");
    assertEquals(0, Cli.run(train(one, "burgess", "cpu", 6, "--threads", "1")).rc());
    assertEquals(0, Cli.run(train(two, "burgess", "cpu", 6, "--threads", "2")).rc());
    assertEquals(0, Cli.run(train(part, "burgess", "cpu", 3, "--threads", "2")).rc());
    Cli.Result r = Cli.run(Cli.args("train", "--resume", part.toString(), "--steps", "6", "--quiet"));
    assertEquals(0, r.rc(), r.toString());
    for (String f : List.of("model.safetensors", "optimizer.safetensors", "metrics.csv")) {
      byte[] ref = Files.readAllBytes(one.resolve(f));
      assertArrayEquals(ref, Files.readAllBytes(two.resolve(f)), f + ": 1 thread vs 2");
      assertArrayEquals(ref, Files.readAllBytes(part.resolve(f)), f + ": resumed after 3 steps vs straight through");
    }
  }
}
