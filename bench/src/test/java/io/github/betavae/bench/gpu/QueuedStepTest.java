package io.github.betavae.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backends;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.model.VaeConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On the host harness (the CUDA kernels run on the CPU): the queued step that the train-step
 * benchmark times is bit-identical to the trainer's step, its graph replay to its eager launches,
 * and both follow the CPU backend — the checks of {@link GpuTrainCheck}, on a net small enough for
 * the harness.
 */
class QueuedStepTest {
  @Test
  void queuedStepAndGraphReplayMatchTheTrainer() {
    assumeTrue(Backends.emulatorAvailable(), "the installed betavae jar has no host kernel library");
    VaeConfig cfg = new VaeConfig(37, List.of(19, 11), Activation.RELU, 3, List.of(13, 17), Activation.TANH,
        Likelihood.BERNOULLI, 4.0);
    try (CudaBackend be = CudaBackend.emulated()) {
      assertEquals(List.of(), GpuTrainCheck.run(be, cfg, 5, 4, 3e-3, true));
    }
  }
}
