package io.github.betavae.backend.cuda;

import io.github.betavae.backend.DeviceUnavailableException;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasAtomicsMode;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;

/**
 * The dense layer's products as cuBLAS {@code cublasSgemm} calls on our row-major buffers: the
 * optional GEMM provider of {@link CudaBackend} ({@code --gemm cublas}) and the benchmark anchor.
 *
 * <p>cuBLAS is column-major: a row-major (R,C) matrix is, to cuBLAS, its transpose, a column-major
 * (C,R) matrix with leading dimension C. Each product below is written for the transposes. The
 * static methods only build argument lists ({@link Call}), so a CPU test can run them through a
 * column-major reference and compare with our backend; an instance owns a handle and runs them.
 *
 * <p>Numerics: FP32 throughout ({@code CUBLAS_DEFAULT_MATH}, which for {@code cublasSgemm} never
 * uses TF32 tensor cores) and atomics disallowed, so cuBLAS picks no atomics-based split-K. Such a
 * GEMM is deterministic on the same card and the same cuBLAS version, but its summation order is
 * its own: results may differ from the hand-written kernels of {@code kernels/dense.cu} in the last
 * bits (within the parity tolerance, relative error ≤ 1e-5).
 */
public final class CublasGemm implements AutoCloseable {

  /** The one line shown wherever JCublas cannot load its native library. */
  public static final String NOT_AVAILABLE = "cuBLAS is not available: libcublas.so.12 not found on the loader path";

  /** Set once when JCublas fails to load: a JVM does not retry a failed native load. */
  private static volatile String loadProblem;
  private static volatile boolean loaded;

  /**
   * One column-major sgemm, C (m,n) = alpha·op(A)·op(B) + beta·C, where op(A) is (m,k), op(B) is
   * (k,n), and A, B, C are device addresses.
   */
  public record Call(String what, boolean transA, boolean transB, int m, int n, int k, float alpha,
                     long a, int lda, long b, int ldb, float beta, long c, int ldc) {}

  /**
   * y (B,OUT) = x (B,IN)·wᵀ + beta·y, with w (OUT,IN). As column-major: yᵀ (OUT,B) = w'ᵀ·xᵀ where
   * w' = wᵀ (IN,OUT) is how cuBLAS sees w.
   */
  public static Call forward(long y, long x, long w, int batch, int in, int out, float beta) {
    return new Call("y = x·wT", true, false, out, batch, in, 1f, w, in, x, in, beta, y, out);
  }

  /** dx (B,IN) = dA (B,OUT)·w (OUT,IN). As column-major: dxᵀ (IN,B) = w'·dAᵀ. */
  public static Call inputGrad(long dx, long dA, long w, int batch, int in, int out) {
    return new Call("dx = dA·w", false, false, in, batch, out, 1f, w, in, dA, out, 0f, dx, in);
  }

  /** dw (OUT,IN) += dAᵀ·x (beta = 1: the accumulation contract). As column-major: dwᵀ (IN,OUT) += xᵀ·dA. */
  public static Call weightGrad(long dw, long dA, long x, int batch, int in, int out) {
    return weightGrad(dw, dA, x, batch, in, out, true);
  }

  /** dw (OUT,IN) = dAᵀ·x, or += where {@code accumulate} (β = 1 rather than 0). */
  public static Call weightGrad(long dw, long dA, long x, int batch, int in, int out, boolean accumulate) {
    return new Call(accumulate ? "dw += dAT·x" : "dw = dAT·x", false, true, in, out, batch, 1f, x, in, dA, out,
        accumulate ? 1f : 0f, dw, in);
  }

  /** y (B,OUT) = b (OUT) broadcast over the batch, as the rank-1 product b·onesᵀ; {@code ones} holds B ones. */
  public static Call bias(long y, long b, long ones, int batch, int out) {
    return new Call("y = b·onesT", false, false, out, batch, 1, 1f, b, out, ones, 1, 0f, y, out);
  }

  /** db (OUT) += Σ_B dA, as the product dAᵀ·ones; {@code ones} holds B ones. */
  public static Call biasGrad(long db, long dA, long ones, int batch, int out) {
    return new Call("db += dAT·ones", false, false, out, 1, batch, 1f, dA, out, ones, batch, 1f, db, out);
  }

  /**
   * Null when JCublas and libcublas.so.12 load in this JVM, else {@link #NOT_AVAILABLE}. Needs no
   * GPU: loading the library touches no device.
   */
  public static String loadProblem() {
    if (loaded) return null;
    if (loadProblem != null) return loadProblem;
    synchronized (CublasGemm.class) {
      try {
        JCublas2.setExceptionsEnabled(false);  // first use loads the native library
        loaded = true;
        return null;
      } catch (LinkageError e) {
        // JCublas 12.6.0's native library links libcublas.so.12; a machine with only a CUDA 13
        // runtime (libcublas.so.13) or none at all ends up here.
        loadProblem = NOT_AVAILABLE;
        return loadProblem;
      }
    }
  }

  private final JCudaDevice dev;
  private final cublasHandle handle = new cublasHandle();
  private final String version;
  private boolean closed;

  /**
   * A handle on {@code dev}'s context whose work is queued on {@code dev}'s stream, in order with
   * our kernels. Throws {@link DeviceUnavailableException} with one line where cuBLAS does not load
   * or no handle can be made.
   */
  public static CublasGemm open(JCudaDevice dev) {
    String p = loadProblem();
    if (p != null) throw new DeviceUnavailableException(p);
    return new CublasGemm(dev);
  }

  private CublasGemm(JCudaDevice dev) {
    this.dev = dev;
    dev.makeCurrent("cublasCreate");
    int r = JCublas2.cublasCreate(handle);
    if (r != cublasStatus.CUBLAS_STATUS_SUCCESS) {
      throw new DeviceUnavailableException("cuBLAS loads, but cublasCreate failed on " + dev.name() + ": "
          + cublasStatus.stringFor(r));
    }
    try {
      check(JCublas2.cublasSetStream(handle, new cudaStream_t(dev.stream())), "cublasSetStream");
      check(JCublas2.cublasSetMathMode(handle, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
      check(JCublas2.cublasSetAtomicsMode(handle, cublasAtomicsMode.CUBLAS_ATOMICS_NOT_ALLOWED), "cublasSetAtomicsMode");
      int[] v = {0};
      check(JCublas2.cublasGetVersion(handle, v), "cublasGetVersion");
      version = v[0] / 10000 + "." + (v[0] / 100) % 100 + "." + v[0] % 100;
    } catch (RuntimeException e) {
      JCublas2.cublasDestroy(handle);
      throw e;
    }
  }

  /** The library version, e.g. "12.6.4". */
  public String version() {
    return version;
  }

  /** Queues one call on the device's stream (recorded instead when the device is capturing). */
  public void run(Call c) {
    if (closed) throw new IllegalStateException("cublasSgemm " + c.what() + ": cuBLAS handle is closed");
    dev.external("cublasSgemm " + c.what());
    check(JCublas2.cublasSgemm(handle, op(c.transA()), op(c.transB()), c.m(), c.n(), c.k(),
        Pointer.to(new float[] {c.alpha()}), at(c.a()), c.lda(), at(c.b()), c.ldb(),
        Pointer.to(new float[] {c.beta()}), at(c.c()), c.ldc()), "cublasSgemm " + c.what()
        + " (m " + c.m() + ", n " + c.n() + ", k " + c.k() + ")");
  }

  /** Queues the calls in order. */
  public void run(List<Call> calls) {
    for (Call c : calls) run(c);
  }

  private static int op(boolean t) {
    return t ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
  }

  private static Pointer at(long address) {
    return new CUdeviceptr().withByteOffset(address);
  }

  private static void check(int status, String what) {
    if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
      throw new IllegalStateException(what + " failed: " + cublasStatus.stringFor(status));
    }
  }

  /**
   * FP32 math ({@code CUBLAS_DEFAULT_MATH}, the default) or TF32 tensor-core math
   * ({@code CUBLAS_TF32_TENSOR_OP_MATH}, what {@code --precision tf32} asks for).
   */
  public void tf32(boolean on) {
    dev.makeCurrent("cublasSetMathMode");
    check(JCublas2.cublasSetMathMode(handle, on ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH),
        "cublasSetMathMode");
  }

  /** Destroys the handle; call before the device closes. Idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      dev.makeCurrent("cublasDestroy");
    } catch (IllegalStateException e) {
      return;  // the device closed first: its context, and the handle with it, is gone
    }
    JCublas2.cublasDestroy(handle);
  }
}
