package io.github.betavae.bench.gpu;

import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.RawBuf;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
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
 * The memory-bound kernels of a train step on the GPU, at the default net's sizes. They do little
 * arithmetic per byte, so the summary reports effective GB/s, the bytes an ideal implementation
 * must move (the same definitions as the CPU {@code OpsBench}):
 *
 * <ul>
 *   <li>reparamForward: stats (B,2Z) → z (B,Z), klSum (Z); 12·B·Z bytes
 *   <li>reparamBackward: stats (B,2Z), dz (B,Z) → dstats (B,2Z); 20·B·Z bytes
 *   <li>likelihood: Bernoulli, logits (B,D), x (B,D) → loss (B), dlogits (B,D); 12·B·D bytes
 *   <li>gather: B rows of a uint8 dataset of {@value #DATASET_ROWS} rows × D, by index, → (B,D)
 *       floats; 5·B·D + 4·B bytes
 *   <li>adam: p, g, m, v (N) → p, m, v; 28·N bytes, N the default net's parameter count
 * </ul>
 *
 * Each invocation queues {@value #QUEUED} launches and synchronizes once (see
 * {@code GpuDenseBench}); at B = 64 the reparameterization kernels are far below a microsecond of
 * work, so their time is the launch rate, which is what they cost inside a step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@OperationsPerInvocation(GpuOpsBench.QUEUED)
public class GpuOpsBench {
  static final int QUEUED = 8;
  static final int DATASET_ROWS = 8192;
  static final long SEED = 42;
  static final float LR = 1e-4f, BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;
  /** Bias corrections of step 10, as in the CPU OpsBench. */
  static final float BC1 = (float) (1 - Math.pow(BETA1, 10)), BC2 = (float) (1 - Math.pow(BETA2, 10));

  /** The per-batch ops: reparameterization, likelihood, gather. */
  @State(Scope.Benchmark)
  public static class Batch {
    @Param({"64", "256"})
    public int batch;

    @Param({"10"})
    public int latent;

    @Param({"4096"})
    public int features;

    CudaBackend be;
    Buf stats, z, klSum, dstats, dz, klGrad;
    Buf logits, x, loss, dlogits;
    RawBuf dataset, rows;
    Buf gathered;
    long step;

    @Setup(Level.Trial)
    public void setUp() {
      be = Gpu.open();
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
      dataset = be.allocRaw((long) DATASET_ROWS * features);
      be.write(dataset, Inputs.binaryBytes((long) DATASET_ROWS * features, 0.3, 5));
      rows = be.allocRaw(4L * batch);
      be.write(rows, Inputs.rows(batch, DATASET_ROWS, 6));
      gathered = be.alloc((long) batch * features);
      be.synchronize();
    }

    private Buf load(float[] a) {
      Buf b = be.alloc(a.length);
      be.write(b, a);
      return b;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (be != null) be.close();
    }
  }

  /** One Adam update over the default net's parameters. */
  @State(Scope.Benchmark)
  public static class Params {
    /** Parameter count of {@code VaeConfig.higgins()}; checked against ParamLayout in setup. */
    @Param({"14196516"})
    public long params;

    CudaBackend be;
    Buf p, g, m, v;

    @Setup(Level.Trial)
    public void setUp() {
      long net = new ParamLayout(VaeConfig.higgins()).size();
      if (net != params) System.out.println("note: default net has " + net + " parameters, benchmarking " + params);
      be = Gpu.open();
      p = load(Inputs.uniform(params, 0.05f, 5));
      g = load(Inputs.uniform(params, 1e-3f, 6));
      m = be.alloc(params);
      v = be.alloc(params);
      be.synchronize();
    }

    private Buf load(float[] a) {
      Buf b = be.alloc(a.length);
      be.write(b, a);
      return b;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (be != null) be.close();
    }
  }

  @Benchmark
  public Buf oursReparamForward(Batch s) {
    for (int i = 0; i < QUEUED; i++) s.be.reparamForward(s.z, s.klSum, s.stats, s.batch, s.latent, SEED, s.step++, true);
    s.be.synchronize();
    return s.z;
  }

  @Benchmark
  public Buf oursReparamBackward(Batch s) {
    for (int i = 0; i < QUEUED; i++) s.be.reparamBackward(s.dstats, s.dz, s.stats, s.klGrad, s.batch, s.latent, SEED, s.step++, true);
    s.be.synchronize();
    return s.dstats;
  }

  @Benchmark
  public Buf oursLikelihood(Batch s) {
    for (int i = 0; i < QUEUED; i++) s.be.likelihood(s.loss, s.dlogits, s.logits, s.x, s.batch, s.features, Likelihood.BERNOULLI, 1f / s.batch);
    s.be.synchronize();
    return s.loss;
  }

  @Benchmark
  public Buf oursGather(Batch s) {
    for (int i = 0; i < QUEUED; i++) s.be.gather(s.gathered, s.dataset, s.rows, s.batch, s.features, false);
    s.be.synchronize();
    return s.gathered;
  }

  @Benchmark
  public Buf oursAdam(Params s) {
    for (int i = 0; i < QUEUED; i++) s.be.adamStep(s.p, s.g, s.m, s.v, s.params, LR, BETA1, BETA2, EPS, 0f, BC1, BC2);
    s.be.synchronize();
    return s.p;
  }
}
