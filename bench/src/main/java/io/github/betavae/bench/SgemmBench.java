package io.github.betavae.bench;

import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cpu.CpuBackend;
import java.util.concurrent.TimeUnit;
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
 * The dense products of the default net, ours against ND4J's {@code Nd4j.gemm} (OpenBLAS sgemm), at
 * the same shapes and thread count. x (B,IN), w (OUT,IN), b (OUT), dy (B,OUT).
 *
 * <ul>
 *   <li>forward: y = x·wᵀ + b (2·B·IN·OUT flops; the bias add is counted as free)
 *   <li>backward: dx = dy·w and dw += dyᵀ·x, db += Σ_B dy (4·B·IN·OUT flops)
 * </ul>
 *
 * Activation is identity so that both sides do exactly the products and the bias; our fused
 * activations cost one pass over y, measured in the train step instead.
 *
 * <p>The anchor does everything through sgemm, bias included, in the classic way: the bias is a
 * rank-1 product ones(B,1)·b written before x·wᵀ is accumulated, and db += ones(1,B)·dy. ND4J's
 * element-wise ops (addiRowVector, sum) cost more than that for these small matrices, and they
 * would measure ND4J's op dispatch rather than OpenBLAS. ND4J lives in its own state so forks that
 * time our engine never load it (its idle thread pools would share the cores).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class SgemmBench {

  /** Shape and threads, shared by both sides (JMH wants @State wherever @Param is declared). */
  @State(Scope.Benchmark)
  public abstract static class Shape {
    /** Layer as IN x OUT: the default net's encoder, hidden, decoder-out, decoder-in and head. */
    @Param({"4096x1200", "1200x1200", "1200x4096", "10x1200", "1200x20"})
    public String layer;

    @Param({"64"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    int in;
    int out;

    void parse() {
      String[] p = layer.split("x");
      if (p.length != 2) throw new IllegalArgumentException("layer must be INxOUT but was " + layer);
      in = Integer.parseInt(p[0]);
      out = Integer.parseInt(p[1]);
    }
  }

  @State(Scope.Benchmark)
  public static class Ours extends Shape {
    CpuBackend be;
    Buf x, w, b, y, dy, dx, dw, db;

    @Setup(Level.Trial)
    public void setUp() {
      parse();
      be = new CpuBackend(threads);
      x = load((long) batch * in, 1);
      w = load((long) out * in, 2);
      b = load(out, 3);
      dy = load((long) batch * out, 4);
      y = be.alloc((long) batch * out);
      dx = be.alloc((long) batch * in);
      dw = be.alloc((long) out * in);
      db = be.alloc(out);
      System.out.println(ThreadCheck.report("ours " + layer, threads,
          () -> be.denseForward(y, x, w, b, batch, in, out, Activation.IDENTITY)));
    }

    private Buf load(long n, long seed) {
      Buf buf = be.alloc(n);
      be.write(buf, Inputs.uniform(n, 1f, seed));
      return buf;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      be.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Nd4jSide extends Shape {
    INDArray x, w, b, y, dy, dx, dw, db;
    /** ones(B,1) and ones(1,B): bias broadcast and bias gradient as products. */
    INDArray onesCol, onesRow;

    @Setup(Level.Trial)
    public void setUp() {
      parse();
      Nd4jThreads.set(threads);
      // Same row-major layouts and values as our side.
      x = load(batch, in, 1);
      w = load(out, in, 2);
      b = load(1, out, 3);
      dy = load(batch, out, 4);
      y = Nd4j.create(DataType.FLOAT, batch, out);
      dx = Nd4j.create(DataType.FLOAT, batch, in);
      dw = Nd4j.create(DataType.FLOAT, out, in);
      db = Nd4j.create(DataType.FLOAT, 1, out);
      onesCol = Nd4j.ones(DataType.FLOAT, batch, 1);
      onesRow = Nd4j.ones(DataType.FLOAT, 1, batch);
      System.out.println("\n" + Nd4jThreads.describe());
      System.out.println(ThreadCheck.report("nd4j " + layer, threads,
          () -> Nd4j.gemm(x, w, y, false, true, 1.0, 0.0)));
    }

    private static INDArray load(int rows, int cols, long seed) {
      return Nd4j.create(Inputs.uniform((long) rows * cols, 1f, seed), new long[] {rows, cols}, DataType.FLOAT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      for (INDArray a : new INDArray[] {x, w, b, y, dy, dx, dw, db, onesCol, onesRow}) a.close();
    }
  }

  @Benchmark
  public Buf oursForward(Ours s) {
    s.be.denseForward(s.y, s.x, s.w, s.b, s.batch, s.in, s.out, Activation.IDENTITY);
    return s.y;
  }

  @Benchmark
  public Buf oursBackward(Ours s) {
    s.be.denseBackward(s.dx, s.dw, s.db, s.dy, s.y, s.x, s.w, s.batch, s.in, s.out, Activation.IDENTITY);
    return s.dw;
  }

  @Benchmark
  public INDArray nd4jForward(Nd4jSide s) {
    Nd4j.gemm(s.onesCol, s.b, s.y, false, false, 1.0, 0.0);
    return Nd4j.gemm(s.x, s.w, s.y, false, true, 1.0, 1.0);
  }

  @Benchmark
  public INDArray nd4jBackward(Nd4jSide s) {
    Nd4j.gemm(s.dy, s.w, s.dx, false, false, 1.0, 0.0);
    Nd4j.gemm(s.dy, s.x, s.dw, true, false, 1.0, 1.0);
    return Nd4j.gemm(s.onesRow, s.dy, s.db, false, false, 1.0, 1.0);
  }
}
