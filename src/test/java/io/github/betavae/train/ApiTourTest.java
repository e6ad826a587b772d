package io.github.betavae.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Backend;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.checkpoint.Checkpoint;
import io.github.betavae.checkpoint.RunConfig;
import io.github.betavae.data.DSprites;
import io.github.betavae.data.Dataset;
import io.github.betavae.data.Subset;
import io.github.betavae.loss.Objective;
import io.github.betavae.metrics.Evaluator;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.LossStats;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import io.github.betavae.viz.Figures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's API tour, kept compiling and working (the README shows it with the default network). */
class ApiTourTest {
  @TempDir Path dir;

  @Test
  void readmeTourRuns() throws IOException {
    VaeConfig net = VaeConfig.higgins()                 // 4096 → 1200-1200 → 10 → 1200-1200-1200 → 4096
        .withBeta(4.0);
    net = new VaeConfig(net.inputSize(), List.of(16), net.encoderActivation(), 3, List.of(16),
        net.decoderActivation(), net.likelihood(), net.beta()); // small enough for a unit test
    Dataset data = Subset.random(new DSprites(), 256, 0);
    Path out = dir.resolve("run");

    try (Backend be = new CpuBackend(2); BetaVae vae = new BetaVae(net, be)) {
      vae.initialize(0);
      Adam.Config opt = Adam.Config.defaults(1e-4);
      Adam adam = new Adam(be, opt, vae.layout().size());
      TrainConfig tc = TrainConfig.ofSteps(5, 32, 0);
      RunConfig run = RunConfig.of(net, opt, tc, RunConfig.DataInfo.of("dsprites", data, 256),
          RunConfig.Provenance.now("dev", be.name()));
      Trainer trainer = new Trainer(tc, vae, adam, data, Objective.beta(net.beta()))
          .addListener(s -> { if (s.step() % 100 == 0) System.out.println(s.step() + " " + s.stats().loss()); })
          .onCheckpoint(step -> Checkpoint.save(out, vae, adam, run.withStepsDone(step)));
      LossStats last = trainer.run();
      Evaluator.Result r = Evaluator.evaluate(vae, data, true, 0, 256);
      Figures.writeSamples(vae, 64, 0, out.resolve("samples.png"));
      assertTrue(Double.isFinite(last.loss()));
      assertEquals(256, r.n());
    }
    assertTrue(java.nio.file.Files.exists(out.resolve("samples.png")));
    assertTrue(java.nio.file.Files.exists(out.resolve("model.safetensors")));
  }
}
