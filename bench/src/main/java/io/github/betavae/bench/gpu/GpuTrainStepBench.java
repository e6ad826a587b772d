package io.github.betavae.bench.gpu;

import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.train.Trainer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The trainer's step of the default net ({@code VaeConfig.higgins()}: 4096 → 1200-1200 ReLU → Z=10 →
 * 1200-1200-1200 tanh → 4096, Bernoulli, β = 4, Adam lr 1e-4) on the GPU, timed through the
 * {@link Trainer} itself ({@link TrainerPath}): data resident on the device (epoch order generated
 * and batches gathered there), objective, finite check, Adam and the step counter on the device,
 * the stats record read one step late. One invocation is {@value #STEPS} steps of one
 * {@code Trainer.run()}, so the score is the time per step including the trainer's own overhead
 * (one warm-up step, and with a graph its capture, per invocation). {@code arch}: {@code mlp}, the
 * default net above, or {@code conv}, the {@code --arch conv} network (disentanglement_lib's,
 * 1×64×64, Z = 10, β = 4; our direct CUDA convolutions), for #13's comparison with PyTorch's cuDNN.
 *
 * <ul>
 *   <li>{@code oursTrainerEager}: every kernel launched one by one ({@code --graph off});
 *   <li>{@code oursTrainerGraph}: the step captured once and replayed ({@code --graph on}).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 4, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class GpuTrainStepBench {
  static final int STEPS = 100;
  static final long SEED = 42;
  static final double LR = 1e-4;

  @State(Scope.Benchmark)
  public static class Net {
    @Param({"64", "256", "1024", "4096"})
    public int batch;

    @Param({"mlp", "conv"})
    public String arch;

    /** fp32, or tf32 (the products on tensor cores, {@code --precision tf32}): {@code -p precision=fp32,tf32}. */
    @Param({"fp32"})
    public String precision;

    /**
     * The FP32 wide products' tiles: "auto" (the launcher's table, 128×128) or "128x64" (twice the
     * tiles; not yet in the table): {@code -p tiles=auto,128x64} times the step both ways.
     */
    @Param({"auto"})
    public String tiles;

    CudaBackend be;
    TrainerPath path;

    @Setup(Level.Trial)
    public void setUp() {
      be = Gpu.open();
      be.precision(io.github.betavae.backend.Precision.parse(precision));
      switch (tiles) {
        case "auto" -> { }
        case "128x64" -> be.denseTileWidth(64);
        default -> throw new IllegalArgumentException("tiles: auto or 128x64, not " + tiles);
      }
      // Four batches of random binary images: a few epochs per invocation, data resident.
      VaeConfig cfg = switch (arch) {
        case "mlp" -> VaeConfig.higgins();
        case "conv" -> VaeConfig.convolutional(io.github.betavae.model.Arch.CONV, 1, 10,
            io.github.betavae.backend.Likelihood.BERNOULLI, 4);
        default -> throw new IllegalArgumentException("arch: mlp or conv, not " + arch);
      };
      path = new TrainerPath(be, cfg, batch, 4 * batch, LR, SEED);
      System.out.println("ours: " + arch + ", " + path.model.layout().size() + " parameters, batch " + batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (path != null) path.close();
      if (be != null) be.close();
    }
  }

  @Benchmark
  @OperationsPerInvocation(STEPS)
  public Object oursTrainerEager(Net s) {
    s.path.run(STEPS, Trainer.GraphMode.OFF);
    return s.path;
  }

  @Benchmark
  @OperationsPerInvocation(STEPS)
  public Object oursTrainerGraph(Net s) {
    s.path.run(STEPS, Trainer.GraphMode.ON);
    return s.path;
  }
}
