package io.github.betavae.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.loss.Objective;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Quick float-precision check that the whole model's gradient matches central differences. */
class BetaVaeSmokeTest {

  @Test
  void gradientOfWholeObjectiveMatchesFiniteDifferences() {
    VaeConfig c = new VaeConfig(6, List.of(5), Activation.TANH, 3, List.of(4), Activation.TANH, Likelihood.BERNOULLI, 2.0);
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(c, be)) {
      vae.initialize(7);
      int batch = 3;
      float[] x = new float[batch * 6];
      Random r = new Random(1);
      for (int i = 0; i < x.length; i++) x[i] = r.nextBoolean() ? 1f : 0f;
      be.write(vae.input(batch), x);
      Objective obj = Objective.beta(2.0);
      vae.forwardBackward(batch, 11, 5, obj);
      float[] g = new float[(int) vae.layout().size()];
      be.read(vae.grads(), g);
      float[] p = vae.paramsToHost();
      double maxRel = 0;
      for (int i = 0; i < p.length; i++) {
        float keep = p[i];
        float h = 1e-2f;
        p[i] = keep + h;
        vae.loadParams(p);
        double lp = vae.forwardBackward(batch, 11, 5, obj).loss();
        p[i] = keep - h;
        vae.loadParams(p);
        double lm = vae.forwardBackward(batch, 11, 5, obj).loss();
        p[i] = keep;
        double fd = (lp - lm) / (2 * h);
        double rel = Math.abs(fd - g[i]) / Math.max(1e-2, Math.abs(fd) + Math.abs(g[i]));
        maxRel = Math.max(maxRel, rel);
      }
      assertTrue(maxRel < 2e-2, "max relative gradient error " + maxRel);
      assertEquals(p.length, vae.layout().size());
    }
  }
}
