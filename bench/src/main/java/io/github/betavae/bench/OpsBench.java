package io.github.betavae.bench;

import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
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
 * The memory-bound ops of a train step at the default net's sizes. These move little arithmetic
 * per byte, so the summary reports effective GB/s (bytes an ideal implementation must move):
 *
 * <ul>
 *   <li>reparamForward: stats (B,2Z) → z (B,Z), klSum (Z); 12·B·Z bytes
 *   <li>reparamBackward: stats (B,2Z), dz (B,Z) → dstats (B,2Z); 20·B·Z bytes
 *   <li>likelihood: Bernoulli, logits (B,D), x (B,D) → loss (B), dlogits (B,D); 12·B·D bytes
 *   <li>adam: p, g, m, v (N) → p, m, v; 28·N bytes, N the default net's parameter count
 * </ul>
 *
 * The anchor for Adam is ND4J's {@code AdamUpdater} (a fused native op) followed by
 * {@code params -= update}, which is how DL4J applies it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class OpsBench {
  static final long SEED = 42;
  static final float LR = 1e-4f, BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;
  /** Bias corrections of step 10: a step past the first, where both are well away from 1. */
  static final float BC1 = (float) (1 - Math.pow(BETA1, 10)), BC2 = (float) (1 - Math.pow(BETA2, 10));

  /** Sizes and threads (JMH wants @State wherever @Param is declared). */
  @State(Scope.Benchmark)
  public abstract static class Sizes {
    @Param({"64"})
    public int batch;

    @Param({"10"})
    public int latent;

    @Param({"4096"})
    public int features;

    /** Parameter count of {@code VaeConfig.higgins()}; checked against ParamLayout in setup. */
    @Param({"14196516"})
    public long params;

    @Param({"1", "2"})
    public int threads;
  }

  @State(Scope.Benchmark)
  public static class Ours extends Sizes {
    CpuBackend be;
    Buf stats, z, klSum, dstats, dz, klGrad;
    Buf logits, x, loss, dlogits;
    Buf p, g, m, v;
    long step;

    @Setup(Level.Trial)
    public void setUp() {
      long net = new io.github.betavae.model.ParamLayout(io.github.betavae.model.VaeConfig.higgins()).size();
      if (net != params) System.out.println("note: default net has " + net + " parameters, benchmarking " + params);
      be = new CpuBackend(threads);
      stats = load(Inputs.uniform(2L * batch * latent, 1f, 1));
      z = be.alloc((long) batch * latent);
      klSum = be.alloc(latent);
      dstats = be.alloc(2L * batch * latent);
      dz = load(Inputs.uniform((long) batch * latent, 1f, 2));
      klGrad = be.alloc(latent);
      be.fill(klGrad, 4f / batch);
      logits = load(Inputs.uniform((long) batch * features, 4f, 3));
      x = load(Inputs.binary((long) batch * features, 0.3, 4));
      loss = be.alloc(batch);
      dlogits = be.alloc((long) batch * features);
      p = load(Inputs.uniform(params, 0.05f, 5));
      g = load(Inputs.uniform(params, 1e-3f, 6));
      m = be.alloc(params);
      v = be.alloc(params);
      System.out.println(ThreadCheck.report("ours adam", threads,
          () -> be.adamStep(p, g, m, v, params, LR, BETA1, BETA2, EPS, 0f, BC1, BC2)));
    }

    private Buf load(float[] a) {
      Buf b = be.alloc(a.length);
      be.write(b, a);
      return b;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      be.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Nd4jSide extends Sizes {
    INDArray p, g, stateView;
    GradientUpdater<?> adam;

    @Setup(Level.Trial)
    public void setUp() {
      Nd4jThreads.set(threads);
      p = Nd4j.create(Inputs.uniform(params, 0.05f, 5), new long[] {1, params}, DataType.FLOAT);
      g = Nd4j.create(Inputs.uniform(params, 1e-3f, 6), new long[] {1, params}, DataType.FLOAT);
      stateView = Nd4j.create(DataType.FLOAT, 1, 2 * params);
      adam = new Adam(LR, BETA1, BETA2, EPS).instantiate(stateView, true);
      System.out.println("\n" + Nd4jThreads.describe());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      p.close();
      g.close();
      stateView.close();
    }
  }

  @Benchmark
  public Buf oursReparamForward(Ours s) {
    s.be.reparamForward(s.z, s.klSum, s.stats, s.batch, s.latent, SEED, s.step++, true);
    return s.z;
  }

  @Benchmark
  public Buf oursReparamBackward(Ours s) {
    s.be.reparamBackward(s.dstats, s.dz, s.stats, s.klGrad, s.batch, s.latent, SEED, s.step++, true);
    return s.dstats;
  }

  @Benchmark
  public Buf oursLikelihood(Ours s) {
    s.be.likelihood(s.loss, s.dlogits, s.logits, s.x, s.batch, s.features, Likelihood.BERNOULLI, 1f / s.batch);
    return s.loss;
  }

  @Benchmark
  public Buf oursAdam(Ours s) {
    s.be.adamStep(s.p, s.g, s.m, s.v, s.params, LR, BETA1, BETA2, EPS, 0f, BC1, BC2);
    return s.p;
  }

  /**
   * DL4J's way: the updater turns the gradient into the update in place, then params -= update.
   * The gradient is not restored between calls: Adam's update has the gradient's scale-free form,
   * so values stay around lr and the work per call does not change.
   */
  @Benchmark
  public INDArray nd4jAdam(Nd4jSide s) {
    s.adam.applyUpdater(s.g, 10, 0);
    return s.p.subi(s.g);
  }
}
