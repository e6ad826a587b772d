package io.github.betavae.checkpoint;

import static org.junit.jupiter.api.Assertions.assertFalse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  @TempDir Path dir;

  static final VaeConfig SMALL = new VaeConfig(6, List.of(5, 4), Activation.RELU, 3, List.of(4),
      Activation.TANH, Likelihood.BERNOULLI, 4.0);

  static RunConfig config(VaeConfig c, long stepsDone) {
    return new RunConfig(RunConfig.FORMAT, RunConfig.Model.of(c), new RunConfig.ObjectiveSettings("beta", c.beta()),
        RunConfig.OptimizerSettings.of(Adam.Config.defaults(1e-4)),
        new RunConfig.Training(7, 16, 100, 0, stepsDone, 0),
        new RunConfig.DataInfo("test", "synthetic", 32, c.inputSize(), 0),
        new RunConfig.Provenance("betavae", "test", "cpu", "17", "2024-01-01T00:00:00Z"));
  }

  @Test
  void modelSavedAndLoadedIsIdenticalWithTorchNames() throws IOException {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(SMALL, be)) {
      vae.initialize(3);
      Adam adam = new Adam(be, Adam.Config.defaults(1e-4), vae.layout().size());
      be.fill(adam.m(), 0.25f);
      be.fill(adam.v(), 0.5f);
      adam.setSteps(42);
      Checkpoint.save(dir, vae, adam, config(SMALL, 42));
      Checkpoint.Loaded l = Checkpoint.load(dir, be);
      assertArrayEquals(vae.paramsToHost(), l.model().paramsToHost());
      assertEquals(SMALL, l.model().config());
      assertEquals(42, l.config().training().stepsDone());
      Checkpoint.OptimizerState s = Checkpoint.readOptimizer(dir.resolve(Checkpoint.OPTIMIZER), vae.layout().size());
      assertEquals(42, s.step());
      assertEquals(0.25f, s.m()[5]);
      assertEquals(0.5f, s.v()[s.v().length - 1]);
    }
    try (SafeTensors.Reader r = SafeTensors.open(dir.resolve(Checkpoint.MODEL))) {
      assertEquals(List.of("encoder.layers.0.weight", "encoder.layers.0.bias", "encoder.layers.1.weight",
          "encoder.layers.1.bias", "encoder.head.weight", "encoder.head.bias", "decoder.layers.0.weight",
          "decoder.layers.0.bias", "decoder.out.weight", "decoder.out.bias"), List.copyOf(r.tensors().keySet()));
      assertArrayEquals(new long[] {5, 6}, r.info("encoder.layers.0.weight").shape());
      assertArrayEquals(new long[] {6, 4}, r.info("encoder.head.weight").shape());
      assertArrayEquals(new long[] {6, 4}, r.info("decoder.out.weight").shape());
      assertArrayEquals(new long[] {6}, r.info("decoder.out.bias").shape());
      assertEquals(Map.of("format", "pt", "step", "42"), r.metadata(), "the step lets a reader check the files agree");
    }
  }

  @Test
  void aMixOfTwoCheckpointsIsPutBackToTheLastCompleteOne() throws IOException {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(SMALL, be)) {
      vae.initialize(3);
      Adam adam = new Adam(be, Adam.Config.defaults(1e-4), vae.layout().size());
      adam.setSteps(5);
      Checkpoint.save(dir, vae, adam, config(SMALL, 5));
      byte[] model5 = Files.readAllBytes(dir.resolve(Checkpoint.MODEL));
      byte[] opt5 = Files.readAllBytes(dir.resolve(Checkpoint.OPTIMIZER));
      byte[] config5 = Files.readAllBytes(dir.resolve(Checkpoint.CONFIG));
      // What a kill between the renames of a save at step 6 leaves: the new weights, the old rest,
      // the old group under .prev names, and a temporary file.
      for (String f : List.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER, Checkpoint.CONFIG)) {
        Files.createLink(AtomicFiles.previous(dir.resolve(f)), dir.resolve(f));
      }
      vae.initialize(4);
      adam.setSteps(6);
      Path other = dir.resolve("other");
      Checkpoint.save(other, vae, adam, config(SMALL, 6));
      Files.copy(other.resolve(Checkpoint.MODEL), dir.resolve(Checkpoint.MODEL), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.write(dir.resolve(".optimizer.safetensors.123-456.tmp"), new byte[] {1, 2});

      assertEquals(5, Checkpoint.recover(dir));
      assertArrayEquals(model5, Files.readAllBytes(dir.resolve(Checkpoint.MODEL)));
      assertArrayEquals(opt5, Files.readAllBytes(dir.resolve(Checkpoint.OPTIMIZER)));
      assertArrayEquals(config5, Files.readAllBytes(dir.resolve(Checkpoint.CONFIG)));
      assertFalse(Files.exists(dir.resolve(".optimizer.safetensors.123-456.tmp")), "temporary files removed");
      assertFalse(Files.exists(AtomicFiles.previous(dir.resolve(Checkpoint.MODEL))), ".prev links removed");

      // Without the previous group, a mix cannot be repaired and is refused rather than loaded.
      Files.copy(other.resolve(Checkpoint.MODEL), dir.resolve(Checkpoint.MODEL), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      IOException e = assertThrows(IOException.class, () -> Checkpoint.load(dir, be));
      assertTrue(e.getMessage().contains("config.json says step 5 but model.safetensors holds step 6"), e.getMessage());
    }
  }

  @Test
  void loadRefusesWeightsOfAnotherShape() throws IOException {
    VaeConfig other = SMALL.withLatent(2);
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(other, be)) {
      vae.initialize(3);
      Checkpoint.save(dir, vae, null, config(SMALL, 0)); // config says Z=3, weights have Z=2
      IOException e = assertThrows(IOException.class, () -> Checkpoint.load(dir, be));
      assertEquals("model.safetensors: expected shape [6, 4] but found [4, 4] for tensor encoder.head.weight", e.getMessage());
    }
  }

  @Test
  void loadRefusesMissingAndExtraTensors() throws IOException {
    ParamLayout layout = new ParamLayout(SMALL);
    float[] p = new float[(int) layout.size()];
    Path f = dir.resolve("m.safetensors");
    SafeTensors.write(f, List.of(new SafeTensors.Entry("encoder.layers.0.weight", new long[] {5, 6}, p, 0)), Map.of());
    IOException missing = assertThrows(IOException.class, () -> Checkpoint.readModel(f, layout));
    assertTrue(missing.getMessage().contains("missing tensor encoder.layers.0.bias"), missing.getMessage());
    Checkpoint.writeModel(f, layout, p);
    ParamLayout smaller = new ParamLayout(new VaeConfig(6, List.of(5), Activation.RELU, 3, List.of(4),
        Activation.TANH, Likelihood.BERNOULLI, 4.0));
    IOException extra = assertThrows(IOException.class, () -> Checkpoint.readModel(f, smaller));
    assertTrue(extra.getMessage().contains("expected shape [6, 5] but found [6, 4] for tensor encoder.head.weight")
        || extra.getMessage().contains("unexpected tensor"), extra.getMessage());
  }

  @Test
  void configJsonRoundTripsAndNamesTheSettings() throws IOException {
    RunConfig c = config(SMALL, 9);
    c.write(dir.resolve("config.json"));
    String text = Files.readString(dir.resolve("config.json"));
    for (String key : List.of("\"input_size\" : 6", "\"encoder_activation\" : \"relu\"", "\"likelihood\" : \"bernoulli\"",
        "\"beta\" : 4.0", "\"lr\" : 1.0E-4", "\"seed\" : 7", "\"steps_done\" : 9", "\"backend\" : \"cpu\"")) {
      assertTrue(text.contains(key), "config.json lacks " + key + ":\n" + text);
    }
    assertEquals(c, RunConfig.read(dir.resolve("config.json")));
    assertEquals(SMALL, RunConfig.read(dir.resolve("config.json")).vaeConfig());
  }

  @Test
  void configJsonErrorsAreOneLine() throws IOException {
    Files.writeString(dir.resolve("config.json"), "{\"format\": \"betavae-run/1\", \"model\": {\"input_size\": 4}}");
    IOException e = assertThrows(IOException.class, () -> RunConfig.read(dir.resolve("config.json")));
    assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
    assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
    IOException none = assertThrows(IOException.class, () -> Checkpoint.load(dir.resolve("nope"), new CpuBackend(1)));
    assertTrue(none.getMessage().contains("expected a run directory"), none.getMessage());
  }
}
