package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EncoderTest {

  @Test
  void posteriorMeanIsTheMuHalfOfTheModelStatisticsInAnyBatching() {
    VaeConfig c = new VaeConfig(6, List.of(5), Activation.RELU, 3, List.of(4), Activation.TANH, Likelihood.BERNOULLI, 4.0);
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(c, be)) {
      vae.initialize(11);
      int n = 7;
      float[] x = new float[n * 6];
      Random r = new Random(2);
      for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
      be.write(vae.input(n), x);
      float[] stats = vae.evaluate(n, 0, 0, false).stats();
      float[] want = new float[n * 3];
      for (int i = 0; i < n; i++) System.arraycopy(stats, i * 6, want, i * 3, 3);
      // Batches of 3 leave a short last batch of 1, padded inside.
      assertArrayEquals(want, Encoder.posteriorMean(vae, 3).encode(x, n), 1e-6f);
      assertArrayEquals(want, Encoder.posteriorMean(vae, 16).encode(x, n), 1e-6f);
      assertThrows(IllegalArgumentException.class, () -> Encoder.posteriorMean(vae, 4).encode(new float[5], 1));
    }
  }
}
