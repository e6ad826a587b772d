package io.github.betavae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.data.Dataset;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  @TempDir Path dir;

  static final VaeConfig TINY = new VaeConfig(64, List.of(64), Activation.RELU, 4, List.of(64), Activation.TANH,
      Likelihood.BERNOULLI, 1.0);

  /** Reverses the index order on odd epochs: enough to see that the trainer follows the given order. */
  static EpochOrder flipping(int n) {
    return e -> {
      int[] p = new int[n];
      for (int i = 0; i < n; i++) p[i] = e % 2 == 0 ? i : n - 1 - i;
      return p;
    };
  }

  private static List<TrainListener.Step> train(TrainConfig tc, Dataset data, int threads, float[] paramsOut) throws IOException {
    return train(tc, data, threads, paramsOut, EpochOrder.shuffled(tc.seed(), data.size()));
  }

  private static List<TrainListener.Step> train(TrainConfig tc, Dataset data, int threads, float[] paramsOut,
                                                EpochOrder order) throws IOException {
    List<TrainListener.Step> steps = new ArrayList<>();
    try (CpuBackend be = new CpuBackend(threads); BetaVae vae = new BetaVae(TINY, be)) {
      vae.initialize(tc.seed());
      Adam adam = new Adam(be, Adam.Config.defaults(2e-3), vae.layout().size());
      new Trainer(tc, vae, adam, data, Objective.beta(TINY.beta()), order).addListener(steps::add).run();
      if (paramsOut != null) System.arraycopy(vae.paramsToHost(), 0, paramsOut, 0, paramsOut.length);
    }
    return steps;
  }

  private static double mean(List<TrainListener.Step> s, int from, int to) {
    double m = 0;
    for (int i = from; i < to; i++) m += s.get(i).stats().loss();
    return m / (to - from);
  }

  @Test
  void lossGoesDownOnASmallDSpritesSubset() throws IOException {
    VaeConfig net = new VaeConfig(4096, List.of(64), Activation.RELU, 4, List.of(64), Activation.TANH,
        Likelihood.BERNOULLI, 4.0);
    Dataset data = io.github.betavae.data.Subset.random(new io.github.betavae.data.DSprites(), 1000, 1);
    List<TrainListener.Step> s = new ArrayList<>();
    try (CpuBackend be = new CpuBackend(2); BetaVae vae = new BetaVae(net, be)) {
      vae.initialize(1);
      Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
      new Trainer(TrainConfig.ofSteps(120, 16, 1), vae, adam, data, Objective.beta(net.beta())).addListener(s::add).run();
    }
    double first = mean(s, 0, 10), last = mean(s, 110, 120);
    // 4096 pixels at 2.8k nats initially; a sprite is ~3% of the pixels, so learning the background
    // alone takes the loss far below half of where it started.
    assertTrue(last < 0.5 * first, "loss did not fall enough: first 10 steps " + first + ", last 10 " + last);
    assertEquals(120, s.get(119).step());
  }

  @Test
  void lossGoesDownOnBars() throws IOException {
    List<TrainListener.Step> s = train(TrainConfig.ofSteps(150, 32, 5), new Bars(256), 1, null);
    double first = mean(s, 0, 10), last = mean(s, 140, 150);
    assertTrue(last < 0.8 * first, "loss did not fall enough: first 10 steps " + first + ", last 10 " + last);
  }

  @Test
  void sameSeedGivesIdenticalParametersWhateverTheThreadCount() throws IOException {
    int n = (int) new io.github.betavae.model.ParamLayout(TINY).size();
    float[] a = new float[n], b = new float[n], c = new float[n];
    train(TrainConfig.ofSteps(20, 16, 9), new Bars(100), 1, a);
    train(TrainConfig.ofSteps(20, 16, 9), new Bars(100), 1, b);
    train(TrainConfig.ofSteps(20, 16, 9), new Bars(100), 2, c);
    assertArrayEquals(a, b, "two runs with one thread differ");
    assertArrayEquals(a, c, "one thread and two threads differ");
    float[] d = new float[n];
    train(TrainConfig.ofSteps(20, 16, 10), new Bars(100), 1, d);
    assertTrue(!java.util.Arrays.equals(a, d), "a different seed gave the same parameters");
  }

  @Test
  void epochsDropTheLastPartialBatchAndFollowTheOrder() throws IOException {
    List<Integer> seen = new ArrayList<>();
    Dataset data = new Bars(50) {
      @Override
      public void copy(int index, float[] dst, int off) {
        seen.add(index);
        super.copy(index, dst, off);
      }
    };
    List<TrainListener.Step> s = train(TrainConfig.ofEpochs(2, 16, 1), data, 1, null, flipping(50));
    assertEquals(2 * 3, s.size(), "50 samples in batches of 16 give 3 steps per epoch");
    assertEquals(0, s.get(2).epoch());
    assertEquals(1, s.get(3).epoch());
    assertEquals(96, seen.size());
    assertEquals(0, seen.get(0));
    assertEquals(47, seen.get(47), "epoch 0 reads the order's first 48 entries");
    assertEquals(49, seen.get(48), "epoch 1 starts from its own order");
  }

  @Test
  void defaultOrderIsTheSeededShuffleOfEachEpoch() throws IOException {
    List<Integer> seen = new ArrayList<>();
    Dataset data = new Bars(40) {
      @Override
      public void copy(int index, float[] dst, int off) {
        seen.add(index);
        super.copy(index, dst, off);
      }
    };
    train(TrainConfig.ofEpochs(2, 20, 3), data, 1, null);
    int[] e0 = io.github.betavae.data.Shuffle.permutation(3, 0, 40), e1 = io.github.betavae.data.Shuffle.permutation(3, 1, 40);
    for (int i = 0; i < 40; i++) {
      assertEquals(e0[i], seen.get(i), "epoch 0 position " + i);
      assertEquals(e1[i], seen.get(40 + i), "epoch 1 position " + i);
    }
    assertTrue(!java.util.Arrays.equals(e0, e1), "epochs are shuffled differently");
  }

  @Test
  void checkpointsAtTheIntervalAndAtTheEnd() throws IOException {
    List<Long> saved = new ArrayList<>();
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(TINY, be)) {
      vae.initialize(1);
      Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
      Trainer t = new Trainer(TrainConfig.ofSteps(10, 8, 1).withCheckpointEvery(4), vae, adam, new Bars(40),
          Objective.beta(1.0), EpochOrder.sequential(40));
      t.onCheckpoint(saved::add).run();
      assertEquals(List.of(4L, 8L, 10L), saved);
      assertEquals(10, adam.steps());
    }
  }

  @Test
  void metricsCsvHasHeaderOneRowPerStepAndIsReproducible() throws IOException {
    Path[] files = {dir.resolve("a.csv"), dir.resolve("b.csv")};
    for (Path f : files) {
      try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(TINY, be)) {
        vae.initialize(2);
        Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
        new Trainer(TrainConfig.ofSteps(7, 8, 2), vae, adam, new Bars(40), Objective.beta(1.0), EpochOrder.sequential(40))
            .addListener(new MetricsCsv(f, 1)).run();
      }
    }
    List<String> lines = Files.readAllLines(files[0]);
    assertEquals("step,epoch,loss,recon,kl,beta,kl_0,kl_1,kl_2,kl_3", lines.get(0));
    assertEquals(8, lines.size());
    String[] row = lines.get(7).split(",");
    assertEquals("7", row[0]);
    assertEquals("1", row[1], "40 samples / 8 = 5 steps per epoch, so step 7 is in epoch 1");
    assertEquals(10, row.length);
    double loss = Double.parseDouble(row[2]), recon = Double.parseDouble(row[3]), kl = Double.parseDouble(row[4]);
    assertEquals(loss, recon + kl, 1e-4 * loss);
    assertEquals(Files.readString(files[0]), Files.readString(files[1]));
  }

  @Test
  void refusesDataOfTheWrongWidthOrTooFewSamples() {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(TINY.withInputSize(784), be)) {
      Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(
          TrainConfig.ofSteps(1, 8, 1), vae, adam, new Bars(40), Objective.beta(1.0), EpochOrder.sequential(40)));
      assertEquals("training data: expected 784 features per sample but found 64 in bars, 40 × 64", e.getMessage());
    }
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(TINY, be)) {
      Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(
          TrainConfig.ofSteps(1, 64, 1), vae, adam, new Bars(40), Objective.beta(1.0), EpochOrder.sequential(40)));
      assertTrue(e.getMessage().contains("batch 64 needs at least 64 samples but found 40"), e.getMessage());
    }
  }

  @Test
  void configRejectsBadValues() {
    assertThrows(IllegalArgumentException.class, () -> TrainConfig.ofSteps(10, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new TrainConfig(10, 2, 8, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new TrainConfig(0, 0, 8, 1, 0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig(10, 0, 8, 1, -1));
    assertEquals("checkpoint interval must be ≥ 0 but was -1", e.getMessage());
  }

  @Test
  void divergenceStopsWithAClearMessage() {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(TINY, be)) {
      vae.initialize(1);
      float[] p = vae.paramsToHost();
      p[(int) vae.layout().head().bias().offset()] = Float.NaN; // ReLU would swallow a NaN weight
      vae.loadParams(p);
      Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
      NonFiniteException e = assertThrows(NonFiniteException.class, () -> new Trainer(
          TrainConfig.ofSteps(3, 8, 1), vae, adam, new Bars(40), Objective.beta(1.0), EpochOrder.sequential(40)).run());
      assertTrue(e.getMessage().startsWith("non-finite loss NaN (recon=NaN, kl=NaN) at step 1"), e.getMessage());
      assertEquals(1, e.step());
      assertEquals(0, adam.steps(), "no update may be applied from a non-finite loss");
    }
  }
}
