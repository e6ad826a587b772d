package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same {@code train} command on {@code --device cpu} and on {@code --device cuda-emu} (the CUDA
 * kernels run by the host harness): every logged loss, reconstruction and KL agrees within 1e-4
 * relative after 20 steps.
 */
class DeviceParityTest {

  @Test
  void trainOnTheEmulatedCudaEngineMatchesTheCpuEngine(@TempDir Path dir) throws IOException {
    assertTrue(Backends.emulatorAvailable(), "the build ships the host harness, so cuda-emu must run here");
    List<String> common = List.of("train", "--data", "dsprites", "--subset", "96", "--encoder", "24", "--decoder", "24",
        "--latent", "3", "--batch", "8", "--steps", "20", "--lr", "1e-3", "--seed", "5", "--quiet");
    for (String device : new String[] {"cpu", "cuda-emu"}) {
      Cli.Result r = Cli.run(Cli.args(common, List.of("--device", device, "--out", dir.resolve(device).toString())));
      assertEquals(0, r.rc(), r.toString());
    }
    List<String> cpu = Files.readAllLines(dir.resolve("cpu/metrics.csv"));
    List<String> emu = Files.readAllLines(dir.resolve("cuda-emu/metrics.csv"));
    assertEquals(cpu.get(0), emu.get(0), "same columns");
    assertEquals(21, cpu.size(), "a header and 20 steps");
    assertEquals(cpu.size(), emu.size());
    String[] header = cpu.get(0).split(",");
    double worst = 0;
    String where = "";
    for (int i = 1; i < cpu.size(); i++) {
      String[] a = cpu.get(i).split(","), b = emu.get(i).split(",");
      for (int c = 2; c <= 4; c++) { // loss, recon, kl
        double x = Double.parseDouble(a[c]), y = Double.parseDouble(b[c]);
        double rel = Math.abs(x - y) / Math.max(1e-6, Math.abs(x));
        if (rel > worst) {
          worst = rel;
          where = header[c] + " at step " + a[0] + ": cpu " + x + ", cuda-emu " + y;
        }
      }
    }
    assertTrue(worst <= 1e-4, "largest relative difference " + worst + " (" + where + ")");
  }
}
