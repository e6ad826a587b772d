package io.github.betavae.bench;

import io.github.betavae.backend.Likelihood;
import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.model.Arch;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
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
 * One whole train step of the {@code --arch conv} network (disentanglement_lib's, 1×64×64, Z = 10,
 * Bernoulli) on one batch: forward, backward and the Adam update (lr 1e-4). Ours:
 * {@code BetaVae.forwardBackward} with β = 4, then {@code Adam.step}. Peer: the same network as a
 * DL4J {@link ComputationGraph} of its {@code ConvolutionLayer}/{@code Deconvolution2D} layers
 * ({@link Dl4jConvVae}), one {@code fit} call (forward, backward, Adam), with a fresh ε from ND4J's
 * RNG each step. The batch is fixed random binary pixels (30% on): the convolutions' cost does not
 * depend on the pixel values (ours compacts dead input columns in {@code DenseOps} only for products
 * with at least 64 inputs per row, which no convolution here has on the image).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "--add-modules", "jdk.incubator.vector"})
public class ConvStepBench {
  static final long SEED = 42;
  static final double LR = 1e-4;

  /** Batch and threads (JMH wants @State wherever @Param is declared). */
  @State(Scope.Benchmark)
  public abstract static class Setting {
    @Param({"64"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    final VaeConfig config = VaeConfig.convolutional(Arch.CONV, 1, 10, Likelihood.BERNOULLI, 4);

    float[] batchPixels() {
      return Inputs.binary((long) batch * config.inputSize(), 0.3, 7);
    }
  }

  @State(Scope.Benchmark)
  public static class Ours extends Setting {
    OurStep ours;

    @Setup(Level.Trial)
    public void setUp() {
      ours = new OurStep(config, threads, batch, batchPixels(), SEED, LR);
      System.out.println("ours: " + ours.parameters() + " parameters");
      double first = ours.step();
      System.out.println(ThreadCheck.report("ours conv train step", threads, ours::step));
      System.out.println("ours: loss " + first + " at the first step, " + ours.step() + " after " + ours.steps() + " (it trains)");
    }

    double step() {
      return ours.step();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      ours.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Dl4j extends Setting {
    ComputationGraph net;
    INDArray features;
    INDArray eps;
    INDArray klLabels;
    long steps;

    @Setup(Level.Trial)
    public void setUp() {
      Nd4jThreads.set(threads);
      Nd4j.getRandom().setSeed(SEED);
      net = Dl4jConvVae.build(config, LR, SEED);
      features = Nd4j.create(batchPixels(), new long[] {batch, 1, Arch.SIDE, Arch.SIDE}, 'c');
      eps = Nd4j.create(DataType.FLOAT, batch, config.latent());
      klLabels = Nd4j.zeros(DataType.FLOAT, batch, 2L * config.latent());
      long ours = new ParamLayout(config).size();
      System.out.println("dl4j: " + net.numParams() + " parameters (ours " + ours + ", difference "
          + (net.numParams() - ours) + "): " + Dl4jConvVae.paramTable(net));
      System.out.println("\n" + Nd4jThreads.describe());
      double kl = Dl4jConvVae.klGradientError();
      if (!(kl < 1e-2)) throw new IllegalStateException("the peer's KL gradient is off by " + kl);
      double first = step();
      for (int i = 0; i < 2; i++) step();
      System.out.println(ThreadCheck.report("dl4j conv train step", threads, this::step));
      System.out.println("dl4j: KL gradient vs central differences " + kl + "; loss " + first
          + " at the first step, " + step() + " after " + steps + " (it trains)");
    }

    double step() {
      steps++;
      Nd4j.randn(eps);
      net.fit(new MultiDataSet(new INDArray[] {features, eps}, new INDArray[] {features, klLabels}));
      return net.score();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      features.close();
    }
  }

  @Benchmark
  public double oursStep(Ours s) {
    return s.step();
  }

  @Benchmark
  public double dl4jStep(Dl4j s) {
    return s.step();
  }
}
