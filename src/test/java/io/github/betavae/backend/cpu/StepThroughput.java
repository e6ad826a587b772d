package io.github.betavae.backend.cpu;

import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.util.Random;

/**
 * Time of one training step (forward, backward, Adam) of Higgins' dSprites network on the CPU
 * backend (not a test; run by hand): {@code java -cp target/classes:target/test-classes
 * io.github.betavae.backend.cpu.StepThroughput [threads...] [--batch B] [--steps N] [--naive]
 * [--arch conv|burgess]}. Prints the best and median step time over N steps and, for the dense
 * network, the rate of dense-layer arithmetic they imply (the step's other work, Adam, the
 * likelihood and zeroing the gradients, counts as time only).
 */
public final class StepThroughput {
  private StepThroughput() {}

  public static void main(String[] args) {
    int batch = 64, steps = 20;
    boolean naive = false;
    io.github.betavae.model.Arch arch = io.github.betavae.model.Arch.MLP;
    java.util.List<Integer> threadCounts = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--batch")) batch = Integer.parseInt(args[++i]);
      else if (args[i].equals("--steps")) steps = Integer.parseInt(args[++i]);
      else if (args[i].equals("--naive")) naive = true;
      else if (args[i].equals("--arch")) arch = io.github.betavae.model.Arch.parse(args[++i]);
      else threadCounts.add(Integer.parseInt(args[i]));
    }
    if (threadCounts.isEmpty()) threadCounts = java.util.List.of(1, 2);
    VaeConfig c = arch.convolutional()
        ? VaeConfig.convolutional(arch, 1, 10, io.github.betavae.backend.Likelihood.BERNOULLI, 4)
        : VaeConfig.higgins();
    // Dense-layer work: forward, weight gradient and input gradient, 2·B·IN·OUT each, except that the
    // first layer has no input gradient.
    double flops = 0;
    ParamLayout layout = new ParamLayout(c);
    if (arch.convolutional()) {
      flops = Double.NaN; // the dense-layer count below does not describe a conv net
    } else {
      for (ParamLayout.Tensor t : layout.tensors()) if (t.cols() > 0) flops += 6.0 * batch * t.rows() * t.cols();
      ParamLayout.Tensor first = layout.tensors().get(0);
      flops -= 2.0 * batch * first.rows() * first.cols();
    }
    Random r = new Random(1);
    float[] x = new float[batch * c.inputSize()];
    for (int i = 0; i < x.length; i++) x[i] = r.nextInt(5) == 0 ? 1f : 0f;
    for (int threads : threadCounts) {
      try (CpuBackend be = new CpuBackend(threads, naive); BetaVae vae = new BetaVae(c, be)) {
        vae.initialize(1);
        Adam adam = new Adam(be, Adam.Config.defaults(1e-4), layout.size());
        be.write(vae.input(batch), x);
        Objective obj = Objective.beta(c.beta());
        int warm = naive ? 1 : 5;
        for (int s = 0; s < warm; s++) {
          vae.forwardBackward(batch, 1, s, obj);
          adam.step(vae.params(), vae.grads());
        }
        double[] t = new double[steps];
        for (int s = 0; s < steps; s++) {
          long t0 = System.nanoTime();
          vae.forwardBackward(batch, 1, s, obj);
          adam.step(vae.params(), vae.grads());
          t[s] = (System.nanoTime() - t0) * 1e-9;
        }
        java.util.Arrays.sort(t);
        System.out.printf("%s threads=%d batch=%d: best %.1f ms/step (%.1f GFLOP/s), median %.1f ms/step%n",
            be.name() + " (" + be.gemmPath() + ")", threads, batch, t[0] * 1e3, flops / t[0] * 1e-9, t[steps / 2] * 1e3);
      }
    }
  }
}
