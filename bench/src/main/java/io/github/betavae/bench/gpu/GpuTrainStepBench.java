package io.github.betavae.bench.gpu;

import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.Device;
import io.github.betavae.loss.Objective;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.optim.Adam;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole train step of the default net ({@code VaeConfig.higgins()}: 4096 → 1200-1200 ReLU →
 * Z=10 → 1200-1200-1200 tanh → 4096, Bernoulli, β = 4) on the GPU: forward, backward and Adam
 * (lr 1e-4), synchronized at the end of every step. Three ways to drive the same kernels:
 *
 * <ul>
 *   <li>{@code oursStep}: the trainer's path, {@code BetaVae.forwardBackward} then
 *       {@code Adam.step}. After the forward pass it reads the loss and KL sums back to the host
 *       (the objective weighs the KL from them) and writes the weights back: one round trip per
 *       step.
 *   <li>{@code oursStepQueued}: the same launches with the KL weight fixed on the device
 *       ({@link QueuedStep}), queued back to back without a round trip.
 *   <li>{@code oursStepGraph}: those launches captured once into a CUDA graph and replayed. The
 *       graph repeats its captured scalars, so every replay draws the same ε and applies the same
 *       Adam bias corrections: the same work, which is what is timed here.
 * </ul>
 *
 * The batch is fixed random binary pixels (30% on): the cost of a step does not depend on them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class GpuTrainStepBench {
  static final long SEED = 42;
  static final double LR = 1e-4;

  @State(Scope.Benchmark)
  public static class Net {
    @Param({"64", "256"})
    public int batch;

    final VaeConfig config = VaeConfig.higgins();
    CudaBackend be;
    BetaVae model;
    Adam adam;
    Objective objective;
    QueuedStep queued;
    Device.Graph graph;
    long step;
    int t;

    @Setup(Level.Trial)
    public void setUp() {
      be = Gpu.open();
      model = new BetaVae(config, be);
      model.initialize(SEED);
      adam = new Adam(be, Adam.Config.defaults(LR), model.layout().size());
      objective = Objective.beta(config.beta());
      be.write(model.input(batch), Inputs.binary((long) batch * config.inputSize(), 0.3, 7));
      queued = new QueuedStep(be, config, batch, SEED, adam.config(), model.params(), model.grads(), adam.m(), adam.v(),
          model.input(batch));
      System.out.println("ours: " + model.layout().size() + " parameters, batch " + batch);
      // One eager step first: kernels load and split-K scratch is allocated outside the capture.
      queued.queue(step++, ++t);
      be.synchronize();
      graph = be.capture(() -> queued.queue(step, t + 1));
      System.out.println("graph: " + graph.size() + " operations per step");
      graph.replay();
      be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (graph != null) graph.close();
      if (model != null) model.close();
      if (be != null) be.close();
    }
  }

  @Benchmark
  public double oursStep(Net s) {
    double loss = s.model.forwardBackward(s.batch, SEED, s.step++, s.objective).loss();
    s.adam.step(s.model.params(), s.model.grads());
    s.be.synchronize();
    return loss;
  }

  @Benchmark
  public Object oursStepQueued(Net s) {
    s.queued.queue(s.step++, ++s.t);
    s.be.synchronize();
    return s.queued;
  }

  @Benchmark
  public Object oursStepGraph(Net s) {
    s.graph.replay();
    s.be.synchronize();
    return s.graph;
  }
}
