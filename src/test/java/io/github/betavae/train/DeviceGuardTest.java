package io.github.betavae.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.Emulator;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.LossStats;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The numeric guard on the CUDA engine (through the host harness): the scan runs on the device, and a
 * NaN injected into one gradient tensor is found and the tensor named.
 */
class DeviceGuardTest {
  @Test
  void aNaNInOneGradientTensorIsFoundOnTheDeviceAndNamed() {
    Emulator.assumeBuilt();
    VaeConfig cfg = new VaeConfig(12, List.of(7), Activation.RELU, 2, List.of(5, 6), Activation.TANH, Likelihood.BERNOULLI, 1);
    try (CudaBackend be = CudaBackend.emulated(); BetaVae model = new BetaVae(cfg, be)) {
      NumericGuard guard = new NumericGuard(model);
      LossStats ok = new LossStats(1, 1, 0, new double[2]);
      float[] g = new float[Math.toIntExact(model.layout().size())];
      be.write(model.grads(), g);
      assertNull(guard.check(ok, 1), "finite gradients pass");
      for (ParamLayout.Tensor t : model.layout().tensors()) {
        float[] bad = g.clone();
        bad[Math.toIntExact(t.offset() + t.size() - 1)] = Float.NEGATIVE_INFINITY;
        be.write(model.grads(), bad);
        assertEquals("non-finite gradient in " + t.name() + " at step 9", guard.check(ok, 9));
      }
    }
  }
}
