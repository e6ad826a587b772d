package io.github.betavae.model;

import static io.github.betavae.testing.Compare.assertClose;
import static io.github.betavae.testing.Compare.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.loss.Objective;
import io.github.betavae.testing.DoubleReference;
import io.github.betavae.testing.FiniteDifference;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole β-VAE objective: the double-precision reference's gradient is checked against central
 * differences, then {@link BetaVae#forwardBackward} on the fast and the naive CPU backend is held to
 * that gradient, using the same ε (Philox stream EPS, same seed, step and element counters).
 */
class BetaVaeGradientTest {
  private static final double FD_TOL = 1e-6;
  private static final double FLOAT_TOL = 1e-5;
  private static final long SEED = 31;
  private static final long STEP = 4;
  private static final int BATCH = 3;

  static List<VaeConfig> configs() {
    return List.of(
        new VaeConfig(7, List.of(5, 4), Activation.RELU, 3, List.of(4, 6), Activation.TANH, Likelihood.BERNOULLI, 4.0),
        new VaeConfig(6, List.of(5), Activation.TANH, 2, List.of(5), Activation.SIGMOID, Likelihood.GAUSSIAN, 0.5),
        new VaeConfig(5, List.of(), Activation.RELU, 2, List.of(4), Activation.RELU, Likelihood.BERNOULLI, 2.0),
        new VaeConfig(6, List.of(4), Activation.SIGMOID, 3, List.of(), Activation.IDENTITY, Likelihood.GAUSSIAN, 1.5),
        new VaeConfig(8, List.of(6), Activation.IDENTITY, 2, List.of(3, 5), Activation.TANH, Likelihood.GAUSSIAN, 0.0));
  }

  @ParameterizedTest
  @MethodSource("configs")
  void gradientMatchesDoubleReference(VaeConfig c) {
    Random r = new Random(c.inputSize() * 31L + c.latent());
    float[] x = new float[BATCH * c.inputSize()];
    for (int i = 0; i < x.length; i++) {
      x[i] = c.likelihood() == Likelihood.BERNOULLI ? (r.nextBoolean() ? 1f : 0f) : (float) r.nextDouble();
    }
    double[] xd = toDouble(x);
    double[] eps = DoubleReference.eps(SEED, STEP, BATCH, c.latent());
    String what = c.encoderActivation() + "/" + c.decoderActivation() + " " + c.likelihood() + " β=" + c.beta();

    float[] p0;
    try (CpuBackend be = CpuBackend.naive(1); BetaVae vae = new BetaVae(c, be)) {
      vae.initialize(5);
      p0 = vae.paramsToHost();
    }
    // Spread the parameters a little beyond their initial range so every unit does some work.
    for (int i = 0; i < p0.length; i++) p0[i] = p0[i] * 2f + (float) (0.05 * r.nextGaussian());
    double[] pd = toDouble(p0);

    DoubleReference.Result ref = DoubleReference.objective(c, pd, xd, eps, BATCH);
    double[] fd = FiniteDifference.gradient(p -> DoubleReference.objective(c, p, xd, eps, BATCH).loss(), pd.clone(), 1e-6);
    assertClose(what + ": reference gradient vs finite differences", fd, ref.grad(), FD_TOL);

    for (CpuBackend be : new CpuBackend[] {new CpuBackend(2), CpuBackend.naive(1)}) {
      try (be; BetaVae vae = new BetaVae(c, be)) {
        vae.loadParams(p0);
        be.write(vae.input(BATCH), x);
        LossStats s = vae.forwardBackward(BATCH, SEED, STEP, Objective.beta(c.beta()));
        float[] g = new float[p0.length];
        be.read(vae.grads(), g);
        assertClose(what + ": gradient on " + be.name(), ref.grad(), g, FLOAT_TOL);
        assertEquals(ref.loss(), s.loss(), 1e-5 * Math.max(1, Math.abs(ref.loss())), what + ": loss on " + be.name());
        assertEquals(ref.recon(), s.recon(), 1e-5 * Math.max(1, Math.abs(ref.recon())), what + ": recon on " + be.name());
        assertEquals(ref.kl(), s.kl(), 1e-5 * Math.max(1, Math.abs(ref.kl())), what + ": kl on " + be.name());
      }
    }
  }
}
