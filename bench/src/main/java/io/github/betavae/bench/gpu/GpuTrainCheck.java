package io.github.betavae.bench.gpu;

import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.DeviceUnavailableException;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.Device;
import io.github.betavae.backend.cuda.JCudaDevice;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A few train steps on the CUDA backend that check themselves: short enough to run under
 * {@code compute-sanitizer}, and the proof that {@link QueuedStep} and its graph replay, which
 * {@code GpuTrainStepBench} times, compute what the trainer computes.
 *
 * <ol>
 *   <li>the trainer's path ({@code BetaVae.forwardBackward}, {@code Adam.step}) for N steps on one
 *       fixed batch: every loss finite, and the last below the first;
 *   <li>{@link QueuedStep} on a second copy of the model: gradients and parameters bit-identical to
 *       the trainer's after every step;
 *   <li>two steps replayed from a captured graph against the same two steps launched eagerly:
 *       parameters bit-identical;
 *   <li>with {@code --net small}, the trainer's path on the CPU backend too: losses within 1e-4
 *       (relative) and parameters within 1e-3.
 * </ol>
 *
 * <pre>
 * GpuTrainCheck [--device cuda|cuda-emu] [--net higgins|small] [--steps N] [--batch B] [--lr LR]
 * </pre>
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 bad arguments, 3 no GPU (one line says why).
 * The small net has odd sizes so that edge tiles and the split-K paths run.
 */
public final class GpuTrainCheck {
  static final long SEED = 17, EPS_SEED = 99;

  public static void main(String[] args) {
    String device = "cuda", net = "higgins";
    int steps = 5, batch = 0;
    double lr = 1e-3;
    try {
      for (int i = 0; i < args.length; i++) {
        String v = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--device": device = need(args[i], v); i++; break;
          case "--net": net = need(args[i], v); i++; break;
          case "--steps": steps = Integer.parseInt(need(args[i], v)); i++; break;
          case "--batch": batch = Integer.parseInt(need(args[i], v)); i++; break;
          case "--lr": lr = Double.parseDouble(need(args[i], v)); i++; break;
          default: throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      }
      if (steps < 2) throw new IllegalArgumentException("--steps must be ≥ 2 but was " + steps);
      if (!net.equals("higgins") && !net.equals("small")) throw new IllegalArgumentException("--net must be higgins or small but was " + net);
      if (!device.equals("cuda") && !device.equals("cuda-emu")) throw new IllegalArgumentException("--device must be cuda or cuda-emu but was " + device);
    } catch (IllegalArgumentException e) {
      System.out.println("gpu-train-check: " + e.getMessage());
      System.exit(2);
      return;
    }
    VaeConfig cfg = net.equals("small")
        ? new VaeConfig(777, List.of(520, 130), Activation.RELU, 7, List.of(130, 520), Activation.TANH, Likelihood.BERNOULLI, 4.0)
        : VaeConfig.higgins();
    if (batch == 0) batch = net.equals("small") ? 48 : 64;
    CudaBackend be;
    try {
      be = device.equals("cuda-emu") ? CudaBackend.emulated() : new CudaBackend(JCudaDevice.open(0), "cuda");
    } catch (DeviceUnavailableException e) {
      System.out.println("gpu-train-check: no GPU: " + e.getMessage());
      System.exit(3);
      return;
    }
    List<String> failures;
    try (be) {
      System.out.println("gpu-train-check: " + be.device().name() + ", net " + net + ", batch " + batch + ", " + steps + " steps, lr " + lr);
      failures = run(be, cfg, batch, steps, lr, net.equals("small"));
    }
    if (failures.isEmpty()) {
      System.out.println("gpu-train-check: all checks passed");
      System.exit(0);
    }
    for (String f : failures) System.out.println("gpu-train-check: FAILED: " + f);
    System.exit(1);
  }

  private static String need(String flag, String v) {
    if (v == null) throw new IllegalArgumentException(flag + " needs a value");
    return v;
  }

  static List<String> run(CudaBackend be, VaeConfig cfg, int batch, int steps, double lr, boolean withCpu) {
    List<String> failures = new ArrayList<>();
    float[] x = Inputs.binary((long) batch * cfg.inputSize(), 0.3, 5);
    Adam.Config adamCfg = Adam.Config.defaults(lr);
    Objective objective = Objective.beta(cfg.beta());

    // 1 + 2: the trainer's path and the queued step side by side
    BetaVae a = new BetaVae(cfg, be), b = new BetaVae(cfg, be);
    a.initialize(SEED);
    b.initialize(SEED);
    Adam adamA = new Adam(be, adamCfg, a.layout().size()), adamB = new Adam(be, adamCfg, b.layout().size());
    be.write(a.input(batch), x);
    be.write(b.input(batch), x);
    QueuedStep q = new QueuedStep(be, cfg, batch, EPS_SEED, adamCfg, b.params(), b.grads(), adamB.m(), adamB.v(), b.input(batch));
    double[] losses = new double[steps];
    int firstMismatch = -1;
    for (int s = 0; s < steps; s++) {
      losses[s] = a.forwardBackward(batch, EPS_SEED, s, objective).loss();
      q.forwardBackward(s);
      boolean gradsSame = Arrays.equals(host(be, a.grads()), host(be, b.grads()));
      adamA.step(a.params(), a.grads());
      q.adamStep(s + 1);
      boolean paramsSame = Arrays.equals(a.paramsToHost(), b.paramsToHost());
      System.out.printf("step %d: loss %.6f%s%n", s, losses[s], gradsSame && paramsSame ? "" : "  (queued step differs)");
      if (!Double.isFinite(losses[s])) failures.add("step " + s + ": loss is " + losses[s]);
      if (firstMismatch < 0 && !(gradsSame && paramsSame)) firstMismatch = s;
    }
    if (!(losses[steps - 1] < losses[0])) failures.add("loss did not fall: " + losses[0] + " → " + losses[steps - 1]);
    if (firstMismatch >= 0) {
      failures.add("queued step differs from BetaVae.forwardBackward + Adam.step from step " + firstMismatch);
    } else {
      System.out.println("queued step = trainer's step: gradients and parameters bit-identical over " + steps + " steps");
    }

    // 3: graph replay against eager launches of the same step
    float[] p0 = b.paramsToHost(), m0 = host(be, adamB.m()), v0 = host(be, adamB.v());
    q.queue(steps, steps + 1);
    q.queue(steps, steps + 1);
    float[] eager = b.paramsToHost();
    b.loadParams(p0);
    be.write(adamB.m(), m0);
    be.write(adamB.v(), v0);
    try (Device.Graph g = be.capture(() -> q.queue(steps, steps + 1))) {
      g.replay();
      g.replay();
      be.synchronize();
      float[] replayed = b.paramsToHost();
      if (Arrays.equals(eager, replayed)) {
        System.out.println("graph replay = eager launches: parameters bit-identical after 2 steps (" + g.size() + " operations per step)");
      } else {
        failures.add("graph replay differs from eager launches, max |diff| " + maxDiff(eager, replayed));
      }
    }
    a.close();
    b.close();

    // 4: the same steps on the CPU backend
    if (withCpu) {
      try (Backend cpu = new CpuBackend(1); BetaVae c = new BetaVae(cfg, cpu)) {
        c.initialize(SEED);
        Adam adamC = new Adam(cpu, adamCfg, c.layout().size());
        cpu.write(c.input(batch), x);
        double worst = 0;
        for (int s = 0; s < steps; s++) {
          double l = c.forwardBackward(batch, EPS_SEED, s, objective).loss();
          adamC.step(c.params(), c.grads());
          worst = Math.max(worst, Math.abs(l - losses[s]) / Math.max(1, Math.abs(l)));
        }
        // a's parameters are gone with a; b followed the same path bit for bit until the graph check
        float[] cpuParams = c.paramsToHost();
        double dp = maxDiff(cpuParams, p0);
        System.out.printf("cpu backend: max relative loss difference %.2e, max parameter difference %.2e%n", worst, dp);
        if (!(worst <= 1e-4)) failures.add("losses differ from the CPU backend by " + worst + " (relative; expected ≤ 1e-4)");
        if (!(dp <= 1e-3)) failures.add("parameters differ from the CPU backend by " + dp + " (expected ≤ 1e-3)");
      }
    }
    return failures;
  }

  private static float[] host(Backend be, io.github.betavae.backend.Buf buf) {
    float[] h = new float[Math.toIntExact(buf.length())];
    be.read(buf, h);
    return h;
  }

  private static double maxDiff(float[] p, float[] q) {
    double d = 0;
    for (int i = 0; i < p.length; i++) d = Math.max(d, Math.abs((double) p[i] - q[i]));
    return d;
  }
}
