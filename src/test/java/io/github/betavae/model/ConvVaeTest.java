package io.github.betavae.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.loss.Objective;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The convolutional architectures end to end on the CPU engine: the layer names and shapes of DESIGN
 * §9 (nn.Conv2d / nn.ConvTranspose2d), PyTorch's default initialisation bounds, and the whole
 * model's gradient against central differences of its loss along random directions inside every
 * tensor (so each layer's wiring is checked, not just the sum).
 */
class ConvVaeTest {

  @Test
  void tensorsAreNamedAndShapedAsPyTorchModules() {
    VaeConfig c = VaeConfig.convolutional(Arch.CONV, 1, 10, Likelihood.BERNOULLI, 4);
    ParamLayout l = new ParamLayout(c);
    assertArrayEquals(new long[] {32, 1, 4, 4}, l.tensor("encoder.convs.0.weight").shape());
    assertArrayEquals(new long[] {64, 32, 2, 2}, l.tensor("encoder.convs.2.weight").shape());
    assertArrayEquals(new long[] {64}, l.tensor("encoder.convs.3.bias").shape());
    assertArrayEquals(new long[] {256, 1024}, l.tensor("encoder.layers.0.weight").shape());
    assertArrayEquals(new long[] {20, 256}, l.tensor("encoder.head.weight").shape());
    assertArrayEquals(new long[] {1024, 256}, l.tensor("decoder.layers.1.weight").shape());
    assertArrayEquals(new long[] {64, 64, 4, 4}, l.tensor("decoder.deconvs.0.weight").shape());
    assertArrayEquals(new long[] {64, 32, 4, 4}, l.tensor("decoder.deconvs.1.weight").shape(), "(in, out, k, k)");
    assertArrayEquals(new long[] {32, 1, 4, 4}, l.tensor("decoder.deconvs.3.weight").shape());
    assertNull(l.out(), "no decoder.out");
    assertEquals(c.parameterCount(), l.size());
    // disentanglement_lib's conv_encoder + deconv_decoder for one channel and Z = 10, counted by hand
    long expected = (32 * 16 + 32) + (32 * 32 * 16 + 32) + (64 * 32 * 4 + 64) + (64 * 64 * 4 + 64) + (1024 * 256 + 256)
        + (256 * 20 + 20) + (10 * 256 + 256) + (256 * 1024 + 1024) + (64 * 64 * 16 + 64) + (64 * 32 * 16 + 32)
        + (32 * 32 * 16 + 32) + (32 * 16 + 1);
    assertEquals(expected, l.size());

    ParamLayout b = new ParamLayout(VaeConfig.convolutional(Arch.BURGESS, 3, 6, Likelihood.GAUSSIAN, 1));
    assertArrayEquals(new long[] {32, 3, 4, 4}, b.tensor("encoder.convs.0.weight").shape());
    assertArrayEquals(new long[] {256, 512}, b.tensor("encoder.layers.0.weight").shape());
    assertArrayEquals(new long[] {256, 256}, b.tensor("encoder.layers.1.weight").shape());
    assertArrayEquals(new long[] {512, 256}, b.tensor("decoder.layers.2.weight").shape());
    assertArrayEquals(new long[] {32, 3, 4, 4}, b.tensor("decoder.deconvs.3.weight").shape());
  }

  /**
   * The fast CPU engine writes the dense layers' gradients without zeroing them first and zeroes only
   * the convolutions' ({@link io.github.betavae.backend.Backend#fusesGradientZeroing()}): whatever the
   * gradient buffer held before a step (here NaN), the step leaves the bits of a fresh buffer, and
   * those agree with the naive engine's, which zeroes everything and accumulates.
   */
  @Test
  void aStepOverwritesWhateverTheGradientHeld() {
    for (VaeConfig c : List.of(VaeConfig.convolutional(Arch.CONV, 1, 4, Likelihood.BERNOULLI, 1),
        new VaeConfig(300, List.of(70, 64), io.github.betavae.backend.Activation.RELU, 3, List.of(65),
            io.github.betavae.backend.Activation.TANH, Likelihood.BERNOULLI, 4.0))) {
      int batch = 5;
      float[] x = new float[batch * c.inputSize()];
      Random r = new Random(7);
      for (int i = 0; i < x.length; i++) x[i] = r.nextInt(9) == 0 ? 1f : 0f;
      float[][] g = new float[3][];
      for (int run = 0; run < 3; run++) {
        try (CpuBackend be = run == 2 ? CpuBackend.naive(1) : new CpuBackend(2); BetaVae m = new BetaVae(c, be)) {
          assertEquals(run < 2, be.fusesGradientZeroing());
          m.initialize(3);
          be.write(m.input(batch), x);
          if (run == 1) be.fill(m.grads(), Float.NaN);
          m.forwardBackward(batch, 1, 0, Objective.beta(c.beta()));
          g[run] = new float[(int) m.layout().size()];
          be.read(m.grads(), g[run]);
        }
      }
      String what = c.arch() + " " + c.inputSize();
      assertArrayEquals(g[0], g[1], what + ": gradient after a NaN-filled buffer");
      for (int i = 0; i < g[0].length; i++) {
        assertEquals(g[2][i], g[0][i], 1e-5 * Math.max(1, Math.abs(g[2][i])), what + ": fast vs naive gradient at " + i);
      }
    }
  }

  @Test
  void initialisationFollowsPyTorchsFanIn() {
    VaeConfig c = VaeConfig.convolutional(Arch.CONV, 1, 4, Likelihood.BERNOULLI, 1);
    try (CpuBackend be = new CpuBackend(2); BetaVae m = new BetaVae(c, be)) {
      m.initialize(3);
      float[] p = m.paramsToHost();
      // Conv2d(1, 32, 4): fan_in 16 → bound 1/4; ConvTranspose2d(64, 32, 4): weight.size(1)·16 = 512
      check(p, m.layout().tensor("encoder.convs.0.weight"), 1 / Math.sqrt(16));
      check(p, m.layout().tensor("decoder.deconvs.1.weight"), 1 / Math.sqrt(32 * 16));
      check(p, m.layout().tensor("encoder.convs.1.bias"), 1 / Math.sqrt(32 * 16));
    }
  }

  /** Every value within ±bound and, the tensor being large enough, the largest near it. */
  private static void check(float[] p, ParamLayout.Tensor t, double bound) {
    double max = 0;
    for (long e = t.offset(); e < t.offset() + t.size(); e++) max = Math.max(max, Math.abs(p[(int) e]));
    assertTrue(max <= bound && max > 0.8 * bound, t.name() + ": max |w| " + max + " for bound " + bound);
  }

  /**
   * The model's float gradient along random directions inside every tensor against central
   * differences of an independent double-precision forward pass of the same network (the engine's
   * convolutions checked against PyTorch's definitions in {@code ConvOpsTest}, dense layers, the same
   * ε): each layer's wiring is checked, not only the sum.
   */
  @Test
  void gradientsMatchCentralDifferencesOfADoubleReferenceAlongEveryTensor() {
    for (Arch arch : List.of(Arch.CONV, Arch.BURGESS)) {
      int channels = arch == Arch.CONV ? 1 : 2, batch = 2;
      Likelihood lik = arch == Arch.CONV ? Likelihood.BERNOULLI : Likelihood.GAUSSIAN;
      VaeConfig c = VaeConfig.convolutional(arch, channels, 3, lik, 4.0);
      Random r = new Random(arch.ordinal() + 7);
      float[] x = new float[batch * c.inputSize()];
      for (int i = 0; i < x.length; i++) x[i] = lik == Likelihood.BERNOULLI ? (r.nextInt(4) == 0 ? 1f : 0f) : r.nextFloat();
      double[] eps = io.github.betavae.testing.DoubleReference.eps(5, 0, batch, c.latent());
      try (CpuBackend be = new CpuBackend(2); BetaVae m = new BetaVae(c, be)) {
        m.initialize(11);
        float[] p0 = m.paramsToHost();
        be.write(m.input(batch), x);
        double lf = m.forwardBackward(batch, 5, 0, Objective.beta(c.beta())).loss();
        float[] g = new float[p0.length];
        be.read(m.grads(), g);
        double[] pd = new double[p0.length], xd = new double[x.length];
        for (int i = 0; i < p0.length; i++) pd[i] = p0[i];
        for (int i = 0; i < x.length; i++) xd[i] = x[i];
        double l0 = reference(c, m.layout(), pd, xd, eps, batch);
        assertEquals(l0, lf, 1e-5 * Math.abs(l0), arch.id() + ": the float loss is the reference's");
        for (ParamLayout.Tensor t : m.layout().tensors()) {
          double[] v = new double[(int) t.size()];
          double norm = 0, gv = 0, gabs = 0;
          for (int i = 0; i < v.length; i++) norm += (v[i] = r.nextGaussian()) * v[i];
          for (int i = 0; i < v.length; i++) {
            v[i] /= Math.sqrt(norm);
            gv += v[i] * g[(int) t.offset() + i];
            gabs += Math.abs(v[i] * g[(int) t.offset() + i]);
          }
          double h = 1e-5;  // small: fewer ReLU units flip inside the step (double rounding stays far below)
          double fd = (shifted(c, m.layout(), pd, t, v, h, xd, eps, batch) - shifted(c, m.layout(), pd, t, v, -h, xd, eps, batch)) / (2 * h);
          // float sums of many terms of both signs through eight layers, and ReLU units that a step of
          // 1e-5 flips: within 2% (a wiring mistake is off by far more), or 1e-3 of the terms' magnitude
          assertTrue(Math.abs(fd - gv) <= 0.02 * Math.abs(fd) + 1e-3 * gabs + 1e-9, arch.id() + " " + t.name() + ": slope " + gv
              + ", central difference of the double reference " + fd + " (terms " + gabs + ")");
        }
      }
    }
  }

  private static double shifted(VaeConfig c, ParamLayout l, double[] p, ParamLayout.Tensor t, double[] v, double h,
                                double[] x, double[] eps, int batch) {
    double[] q = p.clone();
    for (int i = 0; i < v.length; i++) q[(int) t.offset() + i] += h * v[i];
    return reference(c, l, q, x, eps, batch);
  }

  /** The objective recon + β·KL (batch means) of a convolutional config, in double, from the layer definitions. */
  static double reference(VaeConfig c, ParamLayout l, double[] p, double[] x, double[] eps, int batch) {
    double[] h = x;
    for (ParamLayout.ConvLayer cl : l.encoderConvs()) h = relu(io.github.betavae.backend.cpu.ConvOpsTest.reference(h,
        slice(p, cl.weight()), slice(p, cl.bias()), cl.shape().withBatch(batch)));
    for (ParamLayout.Layer dl : l.encoderLayers()) h = relu(dense(h, p, dl, batch));
    double[] stats = dense(h, p, l.head(), batch);
    int zl = c.latent();
    double[] z = new double[batch * zl];
    double kl = 0;
    for (int i = 0; i < batch; i++) {
      for (int d = 0; d < zl; d++) {
        double mu = stats[i * 2 * zl + d], lv = stats[i * 2 * zl + zl + d];
        z[i * zl + d] = mu + Math.exp(0.5 * lv) * eps[i * zl + d];
        kl += 0.5 * (mu * mu + Math.exp(lv) - lv - 1);
      }
    }
    h = z;
    for (ParamLayout.Layer dl : l.decoderLayers()) h = relu(dense(h, p, dl, batch));
    List<ParamLayout.ConvLayer> dc = l.decoderDeconvs();
    for (int i = 0; i < dc.size(); i++) {
      ParamLayout.ConvLayer cl = dc.get(i);
      h = io.github.betavae.backend.cpu.ConvOpsTest.reference(h, slice(p, cl.weight()), slice(p, cl.bias()), cl.shape().withBatch(batch));
      if (i < dc.size() - 1) h = relu(h);
    }
    double recon = 0;
    for (double v : io.github.betavae.testing.DoubleReference.likelihood(h, x, batch, c.inputSize(), c.likelihood())) recon += v;
    return recon / batch + c.beta() * kl / batch;
  }

  private static double[] dense(double[] x, double[] p, ParamLayout.Layer l, int batch) {
    double[] y = new double[batch * l.out()];
    for (int i = 0; i < batch; i++) {
      for (int o = 0; o < l.out(); o++) {
        double s = p[(int) l.bias().offset() + o];
        for (int k = 0; k < l.in(); k++) s += x[i * l.in() + k] * p[(int) l.weight().offset() + o * l.in() + k];
        y[i * l.out() + o] = s;
      }
    }
    return y;
  }

  private static double[] relu(double[] a) {
    for (int i = 0; i < a.length; i++) a[i] = Math.max(0, a[i]);
    return a;
  }

  private static double[] slice(double[] p, ParamLayout.Tensor t) {
    return java.util.Arrays.copyOfRange(p, (int) t.offset(), (int) (t.offset() + t.size()));
  }


}
