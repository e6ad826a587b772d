package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.train.Bars;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiagnosticsTest {
  static final VaeConfig SMALL = new VaeConfig(64, List.of(16), Activation.RELU, 4, List.of(16), Activation.TANH,
      Likelihood.BERNOULLI, 4.0);

  @Test
  void agreesWithTheEvaluatorAndMutualInfo() {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(SMALL, be)) {
      vae.initialize(8);
      Bars data = new Bars(50);
      // 50 samples in batches of 16: the padded last batch must not leak into any number.
      Diagnostics.Result d = Diagnostics.compute(vae, data, 3, 16);
      Evaluator.Result mean = Evaluator.evaluate(vae, data, true, 0, 50);
      assertEquals(50, d.n());
      assertArrayEquals(mean.klPerDim(), d.klPerDim(), 1e-6);
      assertArrayEquals(mean.muVariance(), d.muVariance(), 1e-9);
      assertEquals(mean.activeUnits(), d.activeUnits());
      assertEquals(-(d.recon() + d.kl()), d.elbo(), 1e-12);
      // The sampled recon of one full batch uses the same ε (seed 3, batch 0) as the evaluator's.
      Evaluator.Result sampled = Evaluator.evaluate(vae, new Bars(16), false, 3, 16);
      Diagnostics.Result first = Diagnostics.compute(vae, new Bars(16), 3, 16);
      assertEquals(sampled.recon(), first.recon(), 1e-9 * sampled.recon());
      float[] stats = new float[50 * 8];
      for (int i = 0; i < 50; i++) {
        Bars one = new Bars(50);
        float[] x = new float[64 * 16];
        one.copy(i, x, 0);
        be.write(vae.input(16), x);
        System.arraycopy(vae.evaluate(16, 0, 0, false).stats(), 0, stats, i * 8, 8);
      }
      assertEquals(MutualInfo.estimate(stats, 50, 4, 3), d.mutualInfo(), 1e-6);
      assertTrue(d.mutualInfo() <= Math.log(50) + 1e-9, "at most log n");
      assertEquals(d.mutualInfo(), Diagnostics.compute(vae, data, 3, 7).mutualInfo(), 1e-6, "batch size does not matter");
    }
  }

  @Test
  void refusesMismatchedData() {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(SMALL, be)) {
      vae.initialize(1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Diagnostics.compute(vae, new Bars(1), 0, 8));
      assertTrue(e.getMessage().contains("at least 2 held-out samples but found 1"), e.getMessage());
    }
  }
}
