package io.github.betavae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.data.DSprites;
import io.github.betavae.data.Npy;
import io.github.betavae.metrics.MutualInfo;
import io.github.betavae.model.BetaVae;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval}'s mutual_info against the estimator applied to the checkpoint's own posteriors. */
class EvalMutualInfoTest {
  @TempDir Path dir;

  @Test
  void mutualInfoMatchesTheEstimatorOnThePosteriors() throws IOException {
    Path run = dir.resolve("run");
    assertEquals(0, Cli.run(TrainCommandTest.tiny(run, 20)).rc());
    int n = 60, d = DSprites.FEATURES;
    DSprites ds = new DSprites();
    float[] x = new float[n * d];
    for (int i = 0; i < n; i++) ds.copy((int) ((long) i * 12_289 % ds.size()), x, i * d);
    Path input = dir.resolve("in.npy");
    Npy.writeFloat32(input, x, n, d);
    Cli.Result r = Cli.run("eval", "--checkpoint", run.toString(), "--input", input.toString(), "--device", "cpu",
        "--seed", "5", "--batch", "16");
    assertEquals(0, r.rc(), r.toString());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(n, j.get("mutual_info_n").asInt());
    double mi = j.get("mutual_info").asDouble();
    try (CpuBackend be = new CpuBackend(1); BetaVae model = Checkpoint.load(run, be).model()) {
      int z = model.config().latent();
      float[] stats = new float[n * 2 * z];
      float[] one = new float[d];
      for (int i = 0; i < n; i++) {
        System.arraycopy(x, i * d, one, 0, d);
        be.write(model.input(1), one);
        System.arraycopy(model.evaluate(1, 0, 0, false).stats(), 0, stats, i * 2 * z, 2 * z);
      }
      assertEquals(MutualInfo.estimate(stats, n, z, 5), mi, 1e-5);
    }
    assertTrue(mi <= Math.log(n), "at most log n: " + mi);
  }
}
