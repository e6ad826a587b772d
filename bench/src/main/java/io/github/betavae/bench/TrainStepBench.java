package io.github.betavae.bench;

import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.model.VaeConfig;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * One whole train step of the default net ({@code VaeConfig.higgins()}: 4096 → 1200-1200 → Z=10 →
 * 1200-1200-1200 → 4096, Bernoulli) on one batch: forward, backward and the Adam update (lr 1e-4).
 * Ours: {@code BetaVae.forwardBackward} with β = 4, then {@code Adam.step}. Peer: DL4J's
 * VariationalAutoencoder layer, one {@code pretrainLayer} call (forward, backward and its Adam
 * updater). The batch ({@code input}) is either real dSprites images ({@code dsprites}, about 4% of
 * pixels on: what the network trains on) or random binary pixels with 30% on ({@code random30}).
 * DL4J's cost does not depend on the pixel values; ours does, because its first layer skips the
 * pixels that are off in every image of the batch (forward and weight gradient; about half of them on
 * dSprites), so {@code random30}, every pixel on somewhere, is the dense-arithmetic comparison.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "--add-modules", "jdk.incubator.vector"})
public class TrainStepBench {
  static final long SEED = 42;
  static final double LR = 1e-4;

  /** Batch and threads (JMH wants @State wherever @Param is declared). */
  @State(Scope.Benchmark)
  public abstract static class Setting {
    @Param({"64"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    @Param({"dsprites", "random30"})
    public String input;

    final VaeConfig config = VaeConfig.higgins();

    float[] batchPixels() {
      return switch (input) {
        case "dsprites" -> Inputs.dsprites(batch, 7);
        case "random30" -> Inputs.binary((long) batch * config.inputSize(), 0.3, 7);
        default -> throw new IllegalArgumentException("input: dsprites or random30, not " + input);
      };
    }
  }

  @State(Scope.Benchmark)
  public static class Ours extends Setting {
    OurStep ours;

    @Setup(Level.Trial)
    public void setUp() {
      ours = new OurStep(config, threads, batch, batchPixels(), SEED, LR);
      System.out.println("ours: " + ours.parameters() + " parameters");
      System.out.println(ThreadCheck.report("ours train step", threads, ours::step));
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
    /** DL4J has one hidden activation for encoder and decoder; tanh, as in 3 of our 5 hidden layers. */
    @Param({"TANH"})
    public Activation hidden;

    MultiLayerNetwork net;
    INDArray features;

    @Setup(Level.Trial)
    public void setUp() {
      Nd4jThreads.set(threads);
      Nd4j.getRandom().setSeed(SEED);
      net = Dl4jVae.build(config, hidden, LR, SEED);
      features = Nd4j.create(batchPixels(), new long[] {batch, config.inputSize()}, DataType.FLOAT);
      long ours = new io.github.betavae.model.ParamLayout(config).size();
      System.out.println("dl4j: " + net.numParams() + " parameters (ours " + ours + ", difference "
          + (net.numParams() - ours) + "): " + Dl4jVae.paramTable(net));
      System.out.println("\n" + Nd4jThreads.describe());
      // DL4J sizes its workspaces over the first iterations, which run slowly and mostly on one
      // thread; step past them so the thread check sees steady-state steps.
      for (int i = 0; i < 3; i++) step();
      System.out.println(ThreadCheck.report("dl4j train step", threads, this::step));
    }

    double step() {
      net.pretrainLayer(0, features);
      // Pretraining scores the layer, not the network.
      return net.getLayer(0).score();
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
