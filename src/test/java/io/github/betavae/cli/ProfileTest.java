package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.betavae.backend.cuda.Emulator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --profile}: what the device layer does per step, in profile.json (DESIGN §11). */
class ProfileTest {
  @TempDir Path dir;

  private JsonNode profile(String device, Path out, String... more) throws IOException {
    List<String> a = new java.util.ArrayList<>(Cli.args("train", "--data", "dsprites", "--subset", "64", "--encoder", "16", "--decoder", "16",
        "--latent", "3", "--batch", "8", "--steps", "6", "--seed", "2", "--device", device, "--quiet", "--profile",
        "--out", out.toString()));
    a.addAll(List.of(more));
    Cli.Result r = Cli.run(a);
    assertEquals(0, r.rc(), r.toString());
    return new ObjectMapper().readTree(out.resolve(Profiler.FILE).toFile());
  }

  @Test
  void theEmulatedCudaEngineReportsItsPerStepTraffic() throws IOException {
    Emulator.assumeBuilt();
    for (String graph : List.of("off", "auto")) {
      JsonNode p = profile("cuda-emu", dir.resolve("emu-" + graph), "--graph", graph);
      assertEquals(6, p.get("steps").asLong());
      assertEquals(5, p.get("measured_steps").asLong(), "the first step is warm-up: " + p);
      assertEquals(graph.equals("auto"), p.get("graph").asBoolean(), "auto captures on the emulated engine: " + p);
      JsonNode per = p.get("per_step");
      for (String k : List.of("launches", "graph_launches", "h2d_bytes", "d2h_bytes", "syncs")) assertTrue(per.has(k), k);
      if (graph.equals("off")) {
        assertTrue(per.get("launches").asDouble() > 10, p.toString());
      } else {
        assertTrue(per.get("graph_launches").asDouble() >= 0.75, p.toString());
        assertTrue(per.get("launches").asDouble() < 1, "the step is one graph launch: " + p);
      }
      // The data lives on the device, its order is generated there and the objective runs there: a
      // step uploads nothing; the dataset went up once, in setup. The host reads back the step's
      // stats record (about 100 bytes), never the gradient, and waits once per step for it.
      assertEquals(0.0, per.get("h2d_bytes").asDouble(), p.toString());
      assertTrue(p.get("setup").get("h2d_bytes").asLong() >= 64L * 4096 / 8, "the images went up once, 1 bit a pixel: " + p);
      assertTrue(per.get("d2h_bytes").asDouble() <= 4096, "no model-sized copy to the host per step: " + p);
      assertTrue(per.get("syncs").asDouble() <= 1, p.toString());
      assertTrue(p.get("kernels").isArray());
    }
  }

  @Test
  void streamedBatchesUploadOneBatchPerStepAndTrainTheSameBytes() throws IOException {
    Emulator.assumeBuilt();
    Path streamed = dir.resolve("streamed"), resident = dir.resolve("resident");
    JsonNode p = profile("cuda-emu", streamed, "--resident", "off");
    assertFalse(p.get("graph").asBoolean(), "streamed batches are queued step by step: " + p);
    JsonNode per = p.get("per_step");
    // 8 images of 64×64 floats per step, copied aside from a pinned buffer; nothing model-sized back.
    // The host uploads a batch a step ahead, so the measured window holds 4 or 5 of the 6 uploads.
    double batchBytes = 8.0 * 4096 * 4, h2d = per.get("h2d_bytes").asDouble() * p.get("measured_steps").asLong();
    assertTrue(h2d == 4 * batchBytes || h2d == 5 * batchBytes, p.toString());
    assertTrue(per.get("d2h_bytes").asDouble() <= 4096, p.toString());
    assertTrue(per.get("syncs").asDouble() <= 1, "the copies wait for nothing on the host harness: " + p);
    profile("cuda-emu", resident, "--resident", "on", "--graph", "off");
    for (String f : List.of("model.safetensors", "optimizer.safetensors", "metrics.csv")) {
      assertEquals(java.util.Arrays.toString(java.nio.file.Files.readAllBytes(resident.resolve(f))),
          java.util.Arrays.toString(java.nio.file.Files.readAllBytes(streamed.resolve(f))), f + ": streamed = resident");
    }
  }

  @Test
  void residentOnIsRefusedWhereTheDataCannotLiveOnTheDevice() {
    Cli.Result r = Cli.run(Cli.args("train", "--data", "dsprites", "--subset", "64", "--steps", "2", "--device", "cpu",
        "--resident", "on", "--out", dir.resolve("cpu-on").toString()));
    assertEquals(2, r.rc(), r.toString());
    assertTrue(r.err().contains("--resident on") && r.err().contains("host memory"), r.toString());
    assertFalse(java.nio.file.Files.exists(dir.resolve("cpu-on")), "nothing written");
  }

  @Test
  void theCpuEngineHasNoDeviceTraffic() throws IOException {
    JsonNode p = profile("cpu", dir.resolve("cpu"));
    assertEquals(6, p.get("steps").asLong());
    assertEquals(0.0, p.get("per_step").get("h2d_bytes").asDouble());
    assertEquals(0.0, p.get("per_step").get("launches").asDouble());
  }
}
