package io.github.betavae.bench.gpu;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Backend;
import io.github.betavae.backend.DeviceUnavailableException;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.JCudaDevice;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A few train steps on the CUDA backend that check themselves, through the trainer's own resident
 * path ({@link TrainerPath}, what {@code GpuTrainStepBench} times): short enough to run under
 * {@code compute-sanitizer}.
 *
 * <ol>
 *   <li>N eager steps over random binary data resident on the device (3½ batches, so epochs turn
 *       over): every loss finite, and the last below the first;
 *   <li>the same N steps with the step captured once and replayed: parameters and losses
 *       bit-identical to the eager run;
 *   <li>the same N steps with the batches streamed from the host (pinned buffers, copies on a
 *       second stream): bit-identical to the eager run;
 *   <li>with {@code --net small} or {@code --net conv} (the {@code --arch conv} network, batch 8 by
 *       default), the same run on the CPU backend: losses within 1e-4 (relative) and parameters
 *       within 1e-3.
 * </ol>
 *
 * <pre>
 * GpuTrainCheck [--device cuda|cuda-emu] [--net higgins|small|conv] [--steps N] [--batch B] [--lr LR]
 * </pre>
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 bad arguments, 3 no GPU (one line says why).
 * The small net has odd sizes so that edge tiles and the split-K paths run.
 */
public final class GpuTrainCheck {
  static final long SEED = 17;

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
      if (!net.equals("higgins") && !net.equals("small") && !net.equals("conv")) {
        throw new IllegalArgumentException("--net must be higgins, small or conv but was " + net);
      }
      if (!device.equals("cuda") && !device.equals("cuda-emu")) throw new IllegalArgumentException("--device must be cuda or cuda-emu but was " + device);
    } catch (IllegalArgumentException e) {
      System.out.println("gpu-train-check: " + e.getMessage());
      System.exit(2);
      return;
    }
    VaeConfig cfg = switch (net) {
      case "small" -> new VaeConfig(777, List.of(520, 130), Activation.RELU, 7, List.of(130, 520), Activation.TANH,
          Likelihood.BERNOULLI, 4.0);
      case "conv" -> VaeConfig.convolutional(io.github.betavae.model.Arch.CONV, 1, 10, Likelihood.BERNOULLI, 4.0);
      default -> VaeConfig.higgins();
    };
    if (batch == 0) batch = net.equals("small") ? 48 : net.equals("conv") ? 8 : 64;
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
      failures = run(be, cfg, batch, steps, lr, !net.equals("higgins"));
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
    int rows = 3 * batch + batch / 2;  // three steps per epoch: the runs cross epoch boundaries

    // 1: the trainer's path, eager
    float[] eager;
    List<Double> losses;
    try (TrainerPath t = new TrainerPath(be, cfg, batch, rows, lr, SEED)) {
      t.run(steps, Trainer.GraphMode.OFF);
      losses = t.losses;
      eager = t.model.paramsToHost();
    }
    for (int s = 0; s < steps; s++) {
      System.out.printf("step %d: loss %.6f%n", s + 1, losses.get(s));
      if (!Double.isFinite(losses.get(s))) failures.add("step " + (s + 1) + ": loss is " + losses.get(s));
    }
    if (!(losses.get(steps - 1) < losses.get(0))) failures.add("loss did not fall: " + losses.get(0) + " → " + losses.get(steps - 1));

    // 2: the same run with the step captured once and replayed
    try (TrainerPath t = new TrainerPath(be, cfg, batch, rows, lr, SEED)) {
      t.run(steps, Trainer.GraphMode.ON);
      float[] replayed = t.model.paramsToHost();
      if (!t.graphUsed()) {
        failures.add("the trainer did not capture a graph");
      } else if (Arrays.equals(eager, replayed) && t.losses.equals(losses)) {
        System.out.println("graph replay = eager steps: parameters and losses bit-identical after " + steps + " steps");
      } else {
        failures.add("graph replay differs from eager steps, max |diff| " + maxDiff(eager, replayed));
      }
    }

    // 2b: the same run with batches streamed from the host (pinned buffers, copies on a second stream)
    try (TrainerPath t = new TrainerPath(be, cfg, batch, rows, lr, SEED, true)) {
      t.run(steps, Trainer.GraphMode.AUTO);
      float[] streamed = t.model.paramsToHost();
      if (Arrays.equals(eager, streamed) && t.losses.equals(losses)) {
        System.out.println("streamed batches = resident batches: parameters and losses bit-identical after " + steps + " steps");
      } else {
        failures.add("streamed batches differ from resident ones, max |diff| " + maxDiff(eager, streamed));
      }
    }

    // 3: the same steps on the CPU backend (host batches in the same order)
    if (withCpu) {
      try (Backend cpu = new CpuBackend(1); TrainerPath c = new TrainerPath(cpu, cfg, batch, rows, lr, SEED)) {
        c.run(steps, Trainer.GraphMode.AUTO);
        double worst = 0;
        for (int s = 0; s < steps; s++) {
          double l = c.losses.get(s);
          worst = Math.max(worst, Math.abs(l - losses.get(s)) / Math.max(1, Math.abs(l)));
        }
        double dp = maxDiff(c.model.paramsToHost(), eager);
        System.out.printf("cpu backend: max relative loss difference %.2e, max parameter difference %.2e%n", worst, dp);
        if (!(worst <= 1e-4)) failures.add("losses differ from the CPU backend by " + worst + " (relative; expected ≤ 1e-4)");
        if (!(dp <= 1e-3)) failures.add("parameters differ from the CPU backend by " + dp + " (expected ≤ 1e-3)");
      }
    }
    return failures;
  }

  private static double maxDiff(float[] p, float[] q) {
    double d = 0;
    for (int i = 0; i < p.length; i++) d = Math.max(d, Math.abs((double) p[i] - q[i]));
    return d;
  }
}
