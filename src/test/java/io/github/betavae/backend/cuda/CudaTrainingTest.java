package io.github.betavae.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.LossStats;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Whole training steps on the CUDA backend (host harness) against the CPU backend. */
class CudaTrainingTest {
  static final int STEPS = 20;

  record Run(double[] losses, float[] params) {}

  static Run train(Backend be, VaeConfig cfg, int batch) {
    try (BetaVae vae = new BetaVae(cfg, be)) {
      vae.initialize(17);
      Adam adam = new Adam(be, Adam.Config.defaults(3e-3), vae.layout().size());
      Random r = new Random(5);
      double[] losses = new double[STEPS];
      // one fixed batch, so that twenty steps visibly lower the loss
      float[] x = new float[batch * cfg.inputSize()];
      for (int i = 0; i < x.length; i++) x[i] = cfg.likelihood() == Likelihood.BERNOULLI ? (r.nextInt(3) == 0 ? 1 : 0) : r.nextFloat();
      for (int s = 0; s < STEPS; s++) {
        be.write(vae.input(batch), x);
        LossStats st = vae.forwardBackward(batch, 99, s, Objective.beta(cfg.beta()));
        adam.step(vae.params(), vae.grads());
        losses[s] = st.loss();
      }
      return new Run(losses, vae.paramsToHost());
    }
  }

  @Test
  void twentyStepsMatchTheCpuBackend() {
    Emulator.assumeBuilt();
    VaeConfig[] configs = {
      new VaeConfig(37, List.of(19, 11), Activation.RELU, 3, List.of(13, 17), Activation.TANH, Likelihood.BERNOULLI, 4.0),
      new VaeConfig(9, List.of(), Activation.RELU, 2, List.of(5), Activation.SIGMOID, Likelihood.GAUSSIAN, 1.0),
    };
    int[] batches = {3, 1};
    for (int c = 0; c < configs.length; c++) {
      Run cpu = train(new CpuBackend(1), configs[c], batches[c]);
      Run gpu;
      try (CudaBackend be = CudaBackend.emulated()) {
        gpu = train(be, configs[c], batches[c]);
      }
      for (int s = 0; s < STEPS; s++) {
        double rel = Math.abs(gpu.losses()[s] - cpu.losses()[s]) / Math.max(1, Math.abs(cpu.losses()[s]));
        assertTrue(rel <= 1e-4, "config " + c + " step " + s + ": loss cpu " + cpu.losses()[s] + " cuda " + gpu.losses()[s]);
      }
      assertTrue(cpu.losses()[STEPS - 1] < cpu.losses()[0], "training should lower the loss: " + cpu.losses()[0] + " → " + cpu.losses()[STEPS - 1]);
      assertEquals(cpu.params().length, gpu.params().length);
      Parity.assertClose("parameters after " + STEPS + " Adam steps, config " + c, cpu.params(), gpu.params(), 1e-3);
    }
  }
}
