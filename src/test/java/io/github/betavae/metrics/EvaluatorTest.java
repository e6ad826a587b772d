package io.github.betavae.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.train.Bars;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

  /** No encoder hidden layer, so μ and logvar are linear in x and easy to set by hand. */
  static final VaeConfig LINEAR = new VaeConfig(64, List.of(), Activation.RELU, 3, List.of(8), Activation.TANH,
      Likelihood.BERNOULLI, 2.5);

  @Test
  void activeUnitsAndKlFollowTheHandSetEncoder() {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(LINEAR, be)) {
      vae.initialize(4);
      float[] p = vae.paramsToHost();
      ParamLayout.Layer head = vae.layout().head();
      int w = (int) head.weight().offset(), b = (int) head.bias().offset();
      java.util.Arrays.fill(p, w, w + 6 * 64, 0f);
      java.util.Arrays.fill(p, b, b + 6, 0f);
      p[w] = 1f;               // μ_0 = x_0: Bars pixel 0 is 1 for 15 of 64 images, variance ≈ 0.18
      p[w + 64] = 0.05f;       // μ_1 = 0.05·x_0: variance ≈ 0.0004, inactive
      p[b + 2] = 0.3f;         // μ_2 = 0.3 for every input: variance 0
      vae.loadParams(p);
      Bars data = new Bars(64);
      Evaluator.Result r = Evaluator.evaluate(vae, data, true, 0, 10);
      assertEquals(64, r.n());
      assertEquals(1, r.activeUnits());
      double frac = 15.0 / 64;
      assertEquals(frac * (1 - frac) * 64 / 63, r.muVariance()[0], 1e-9);
      // logvar = 0, so KL_d = ½μ²: E[½x₀²] = ½·frac, ½·0.05²·frac, ½·0.09.
      assertEquals(0.5 * frac, r.klPerDim()[0], 1e-6);
      assertEquals(0.5 * 0.0025 * frac, r.klPerDim()[1], 1e-7);
      assertEquals(0.045, r.klPerDim()[2], 1e-7);
      assertEquals(r.klPerDim()[0] + r.klPerDim()[1] + r.klPerDim()[2], r.kl(), 1e-12);
      assertEquals(r.recon() + 2.5 * r.kl(), r.loss(), 1e-9);
    }
  }

  @Test
  void batchSizeDoesNotChangeThePosteriorMeanResult() {
    VaeConfig c = new VaeConfig(64, List.of(16), Activation.RELU, 4, List.of(16), Activation.TANH, Likelihood.BERNOULLI, 4.0);
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(c, be)) {
      vae.initialize(8);
      Evaluator.Result a = Evaluator.evaluate(vae, new Bars(50), true, 0, 7);
      Evaluator.Result b = Evaluator.evaluate(vae, new Bars(50), true, 99, 64);
      assertEquals(a.recon(), b.recon(), 1e-5 * a.recon());
      assertEquals(a.kl(), b.kl(), 1e-5 * a.kl());
      Evaluator.Result s1 = Evaluator.evaluate(vae, new Bars(50), false, 1, 16);
      Evaluator.Result s2 = Evaluator.evaluate(vae, new Bars(50), false, 1, 16);
      Evaluator.Result s3 = Evaluator.evaluate(vae, new Bars(50), false, 2, 16);
      assertEquals(s1.recon(), s2.recon(), "same seed, same sampled reconstruction");
      assertNotEquals(s1.recon(), s3.recon(), "another seed draws other ε");
      assertEquals(a.kl(), s1.kl(), 1e-5 * a.kl(), "KL does not depend on ε");
    }
  }

  @Test
  void wrongWidthIsAClearError() {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(LINEAR.withInputSize(4096), be)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Evaluator.evaluate(vae, new Bars(10), true, 0, 4));
      assertEquals("eval: expected 4096 features per sample but found 64 in bars, 10 × 64", e.getMessage());
    }
  }
}
