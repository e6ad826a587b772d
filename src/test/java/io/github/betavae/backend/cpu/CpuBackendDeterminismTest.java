package io.github.betavae.backend.cpu;

import static io.github.betavae.testing.Compare.assertBitsEqual;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The determinism contract: every op, and whole training steps, give bit-identical results with 1,
 * 2, 3 and 4 threads. Shapes are chosen to give many tiles and several reduction panels, so the
 * threads really do split the work differently.
 */
class CpuBackendDeterminismTest {
  private static final int[] THREADS = {1, 2, 3, 4};

  /** Runs {@code op} on a fresh fast backend per thread count and compares all outputs bit for bit. */
  private static void sameForAnyThreadCount(String what, Function<Ops, float[][]> op) {
    float[][] first = null;
    for (int t : THREADS) {
      try (CpuBackend be = new CpuBackend(t)) {
        float[][] got = op.apply(new Ops(be));
        if (first == null) {
          first = got;
        } else {
          for (int i = 0; i < got.length; i++) {
            if (got[i] != null) assertBitsEqual(what + " output " + i + " with " + t + " threads vs 1", first[i], got[i]);
          }
        }
      }
    }
  }

  @Test
  void denseOpsAreBitIdentical() {
    Random r = new Random(10);
    int[][] shapes = {{130, 700, 600}, {64, 1200, 20}, {300, 37, 515}, {5, 2049, 3}, {520, 70, 90}};
    for (int[] s : shapes) {
      int b = s[0], in = s[1], out = s[2];
      float[] x = Ops.gaussian(r, b * in, 1), w = Ops.gaussian(r, out * in, 0.05), bias = Ops.gaussian(r, out, 0.1);
      float[] dy = Ops.gaussian(r, b * out, 1), dw0 = Ops.gaussian(r, out * in, 0.1), db0 = Ops.gaussian(r, out, 0.1);
      for (Activation act : new Activation[] {Activation.TANH, Activation.RELU}) {
        String shape = " " + act + " (B,IN,OUT)=(" + b + "," + in + "," + out + ")";
        sameForAnyThreadCount("denseForward" + shape, ops -> new float[][] {ops.denseForward(x, w, bias, b, in, out, act)});
        float[] y = Ops.outputOf(act, r, b * out);
        sameForAnyThreadCount("denseBackward" + shape,
            ops -> ops.denseBackward(new float[b * in], dw0, db0, dy, y, x, w, b, in, out, act));
      }
    }
  }

  @Test
  void elementwiseOpsAreBitIdentical() {
    Random r = new Random(11);
    int b = 300, z = 10, d = 777; // several row blocks of the reparameterization and likelihood
    float[] stats = Ops.gaussian(r, 2 * b * z, 1), dz = Ops.gaussian(r, b * z, 1), g = Ops.gaussian(r, z, 1);
    sameForAnyThreadCount("reparamForward", ops -> ops.reparamForward(stats, b, z, 5, 3, true));
    sameForAnyThreadCount("reparamBackward", ops -> new float[][] {ops.reparamBackward(dz, stats, g, b, z, 5, 3, true)});
    float[] logits = Ops.gaussian(r, b * d, 3), x = Ops.uniform(r, b * d, 0, 1);
    for (Likelihood kind : Likelihood.values()) {
      sameForAnyThreadCount("likelihood " + kind, ops -> ops.likelihood(logits, x, b, d, kind, 1f / b, true));
    }
    int n = 5 * ElementOps.ADAM_CHUNK + 3;
    float[] p = Ops.gaussian(r, n, 1), gr = Ops.gaussian(r, n, 1), m = Ops.gaussian(r, n, 0.1), v = Ops.uniform(r, n, 0, 1);
    sameForAnyThreadCount("adam", ops -> ops.adam(p, gr, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f));
  }

  @Test
  void trainingStepsAreBitIdentical() {
    // Wide enough that every layer has several tiles; three steps so Adam feeds back into the model.
    VaeConfig c = new VaeConfig(300, List.of(270, 70), Activation.RELU, 6, List.of(70, 260), Activation.TANH,
        Likelihood.BERNOULLI, 4.0);
    int batch = 70;
    Random r = new Random(12);
    float[] x = new float[batch * c.inputSize()];
    for (int i = 0; i < x.length; i++) x[i] = r.nextInt(4) == 0 ? 1f : 0f;
    List<float[]> first = null;
    for (int t : THREADS) {
      List<float[]> got = new ArrayList<>();
      try (CpuBackend be = new CpuBackend(t); BetaVae vae = new BetaVae(c, be)) {
        vae.initialize(3);
        Adam adam = new Adam(be, Adam.Config.defaults(1e-3), vae.layout().size());
        be.write(vae.input(batch), x);
        float[] losses = new float[3];
        for (int step = 0; step < 3; step++) {
          losses[step] = (float) vae.forwardBackward(batch, 17, step, Objective.beta(c.beta())).loss();
          adam.step(vae.params(), vae.grads());
        }
        float[] grads = new float[(int) vae.layout().size()];
        be.read(vae.grads(), grads);
        got.add(losses);
        got.add(grads);
        got.add(vae.paramsToHost());
      }
      if (first == null) {
        first = got;
      } else {
        String[] names = {"losses", "gradients", "parameters"};
        for (int i = 0; i < got.size(); i++) assertBitsEqual(names[i] + " with " + t + " threads vs 1", first.get(i), got.get(i));
      }
    }
  }
}
