package io.github.betavae.bench.gpu;

import io.github.betavae.bench.inputs.Inputs;
import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Buf;
import io.github.betavae.backend.cuda.CublasGemm;
import io.github.betavae.backend.cuda.CudaBackend;
import io.github.betavae.backend.cuda.CudaBuf;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jcuda.driver.CUcontext;
import jcuda.driver.JCudaDriver;
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
 * The dense products of the default net on the GPU: our kernels ({@code kernels/dense.cu} through
 * {@link CudaBackend}) against cuBLAS {@code cublasSgemm} on the same row-major buffers. x (B,IN),
 * w (OUT,IN), b (OUT), dy (B,OUT).
 *
 * <ul>
 *   <li>forward: y = x·wᵀ + b (2·B·IN·OUT flops; the bias is counted as free)
 *   <li>backward: dx = dy·w, dw += dyᵀ·x, db += Σ_B dy (4·B·IN·OUT flops)
 * </ul>
 *
 * Activation is identity so both sides do exactly the products and the bias. Each invocation queues
 * {@value #QUEUED} products and then synchronizes once, and JMH divides by {@value #QUEUED}: the
 * time per product includes its launch but not a host round trip, which is how a train step sees
 * it (its launches are queued back to back). Both sides are FP32 without tensor cores.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@OperationsPerInvocation(GpuDenseBench.QUEUED)
public class GpuDenseBench {
  static final int QUEUED = 8;

  /** Shape (JMH wants @State wherever @Param is declared). */
  @State(Scope.Benchmark)
  public abstract static class Shape {
    /** Layer as IN x OUT: the default net's encoder, hidden, decoder-out, decoder-in and head. */
    @Param({"4096x1200", "1200x1200", "1200x4096", "10x1200", "1200x20"})
    public String layer;

    @Param({"64", "256", "1024", "4096"})
    public int batch;

    /** fp32, or tf32 (ours on tensor cores, cuBLAS with CUBLAS_TF32_TENSOR_OP_MATH): {@code -p precision=tf32}. */
    @Param({"fp32"})
    public String precision;

    /**
     * Our FP32 kernels: "auto" (the launcher's table), "64" (the 64×64 tiles, split-K where the grid
     * is small), "128" (the warp-tiled 128×128 tiles) or "128x64" (the same warp code on 128×64
     * tiles): {@code -p tiles=64,128,128x64} times each variant.
     */
    @Param({"auto"})
    public String tiles;

    int in;
    int out;
    CudaBackend be;
    Buf x, w, b, y, dy, dx, dw, db;

    /** Opens the GPU and fills the buffers (same values on both sides). */
    void allocate() {
      String[] p = layer.split("x");
      if (p.length != 2) throw new IllegalArgumentException("layer must be INxOUT but was " + layer);
      in = Integer.parseInt(p[0]);
      out = Integer.parseInt(p[1]);
      be = Gpu.open();
      be.precision(io.github.betavae.backend.Precision.parse(precision));
      be.denseTiles(tiles.equals("auto") ? 0 : tiles.equals("128x64") ? 128 : Integer.parseInt(tiles));
      if (tiles.equals("128x64")) be.denseTileWidth(64);
      x = load((long) batch * in, 1);
      w = load((long) out * in, 2);
      b = load(out, 3);
      dy = load((long) batch * out, 4);
      y = be.alloc((long) batch * out);
      dx = be.alloc((long) batch * in);
      dw = be.alloc((long) out * in);
      db = be.alloc(out);
    }

    private Buf load(long n, long seed) {
      Buf buf = be.alloc(n);
      be.write(buf, Inputs.uniform(n, 1f, seed));
      return buf;
    }

    void oursForward() {
      be.denseForward(y, x, w, b, batch, in, out, Activation.IDENTITY);
    }

    void oursBackward() {
      be.denseBackward(dx, dw, db, dy, y, x, w, batch, in, out, Activation.IDENTITY);
    }

    /** What a side opened beyond the backend, closed before it. */
    void closeExtras() {}

    @TearDown(Level.Trial)
    public void tearDown() {
      closeExtras();
      if (be != null) be.close();
    }
  }

  @State(Scope.Benchmark)
  public static class Ours extends Shape {
    @Setup(Level.Trial)
    public void setUp() {
      allocate();
      oursForward();
      oursBackward();
      be.synchronize();
    }
  }

  @State(Scope.Benchmark)
  public static class Cublas extends Shape {
    CublasGemm gemm;
    CUcontext context;
    List<CublasGemm.Call> forward, backward;

    @Setup(Level.Trial)
    public void setUp() {
      allocate();
      context = new CUcontext();
      JCudaDriver.cuCtxGetCurrent(context);  // the device's context, made current by open()
      gemm = Gpu.cublas(be);
      gemm.tf32("tf32".equals(precision));
      Buf ones = be.alloc(batch);
      be.fill(ones, 1f);
      // The bias as a rank-1 product, as BLAS users have always written it, so the anchor does the
      // same work as our fused kernels (apart from the activation, which this benchmark sets to identity).
      forward = List.of(CublasGemm.bias(a(y), a(b), a(ones), batch, out), CublasGemm.forward(a(y), a(x), a(w), batch, in, out, 1f));
      backward = List.of(CublasGemm.inputGrad(a(dx), a(dy), a(w), batch, in, out),
          CublasGemm.weightGrad(a(dw), a(dy), a(x), batch, in, out), CublasGemm.biasGrad(a(db), a(dy), a(ones), batch, out));
      checkAgainstOurs();
    }

    private static long a(Buf buf) {
      return ((CudaBuf) buf).address();
    }

    /** Both sides must compute the same y and dx, or the anchor is timing something else. */
    private void checkAgainstOurs() {
      float[] ours = new float[batch * out], theirs = new float[batch * out];
      oursForward();
      be.read(y, ours);
      gemm.run(forward);
      JCudaDriver.cuCtxSynchronize();
      be.read(y, theirs);
      double e1 = relativeError(ours, theirs);
      float[] oursDx = new float[batch * in], theirsDx = new float[batch * in];
      oursBackward();
      be.read(dx, oursDx);
      be.fill(dx, 0f);
      gemm.run(backward);
      JCudaDriver.cuCtxSynchronize();
      be.read(dx, theirsDx);
      double e2 = relativeError(oursDx, theirsDx);
      System.out.printf("check: ours vs cuBLAS, max |diff| / max |value|: y %.2e, dx %.2e%n", e1, e2);
      // TF32: both round the operands, not necessarily the same way (cvt.rna ours, cuBLAS its own)
      double tol = "tf32".equals(precision) ? 2e-3 : 1e-4;
      if (!(e1 <= tol && e2 <= tol)) {
        throw new IllegalStateException("cuBLAS and our kernels disagree on layer " + layer + " batch " + batch
            + " (" + precision + "): relative error y " + e1 + ", dx " + e2 + " (expected ≤ " + tol + ")");
      }
    }

    private static double relativeError(float[] ref, float[] got) {
      double diff = 0, scale = 0;
      for (int i = 0; i < ref.length; i++) {
        diff = Math.max(diff, Math.abs((double) ref[i] - got[i]));
        scale = Math.max(scale, Math.abs(ref[i]));
      }
      return diff / Math.max(scale, 1e-30);
    }

    void sync() {
      JCudaDriver.cuCtxSynchronize();
    }

    @Override
    void closeExtras() {
      if (gemm != null) gemm.close();
    }
  }

  @Benchmark
  public Buf oursForward(Ours s) {
    for (int i = 0; i < QUEUED; i++) s.oursForward();
    s.be.synchronize();
    return s.y;
  }

  @Benchmark
  public Buf oursBackward(Ours s) {
    for (int i = 0; i < QUEUED; i++) s.oursBackward();
    s.be.synchronize();
    return s.dw;
  }

  @Benchmark
  public Buf cublasForward(Cublas s) {
    JCudaDriver.cuCtxSetCurrent(s.context);  // JMH may call from another thread than setup's
    for (int i = 0; i < QUEUED; i++) s.gemm.run(s.forward);
    s.sync();
    return s.y;
  }

  @Benchmark
  public Buf cublasBackward(Cublas s) {
    JCudaDriver.cuCtxSetCurrent(s.context);
    for (int i = 0; i < QUEUED; i++) s.gemm.run(s.backward);
    s.sync();
    return s.dw;
  }
}
