package io.github.betavae.bench.gpu;

import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;

/**
 * The dense layer's products as cuBLAS {@code cublasSgemm} calls on our row-major buffers: the
 * anchor of {@code GpuDenseBench}. The bias is a rank-1 product, as BLAS users have always written
 * it, so the anchor does the same work as our fused kernels (apart from the activation, which the
 * benchmark sets to identity).
 *
 * <p>cuBLAS is column-major: a row-major (R,C) matrix is, to cuBLAS, its transpose, a column-major
 * (C,R) matrix with leading dimension C. Each product below is written for the transposes.
 * {@link #forward} and {@link #backward} only build the argument lists, so a CPU test can run them
 * through a column-major reference and compare with our backend.
 */
final class CublasGemm implements AutoCloseable {

  /**
   * One column-major sgemm, C (m,n) = alpha·op(A)·op(B) + beta·C, where op(A) is (m,k), op(B) is
   * (k,n), and A, B, C are device addresses.
   */
  record Call(String what, boolean transA, boolean transB, int m, int n, int k, float alpha,
              long a, int lda, long b, int ldb, float beta, long c, int ldc) {}

  /**
   * y (B,OUT) = x (B,IN)·wᵀ + b, with w (OUT,IN) and b (OUT); {@code ones} holds B ones.
   * As column-major: yᵀ (OUT,B) = b·onesᵀ, then yᵀ += w'ᵀ·xᵀ where w' = wᵀ is how cuBLAS sees w.
   */
  static List<Call> forward(long y, long x, long w, long b, long ones, int batch, int in, int out) {
    return List.of(
        new Call("bias", false, false, out, batch, 1, 1f, b, out, ones, 1, 0f, y, out),
        new Call("x·wT", true, false, out, batch, in, 1f, w, in, x, in, 1f, y, out));
  }

  /**
   * dx (B,IN) = dy·w; dw (OUT,IN) += dyᵀ·x; db (OUT) += Σ_B dy. As column-major:
   * dxᵀ (IN,B) = w'·dyᵀ; dwᵀ (IN,OUT) += xᵀ·dy; db (OUT,1) += dyᵀ·ones.
   */
  static List<Call> backward(long dx, long dw, long db, long dy, long x, long w, long ones, int batch, int in, int out) {
    return List.of(
        new Call("dx", false, false, in, batch, out, 1f, w, in, dy, out, 0f, dx, in),
        new Call("dw", false, true, in, out, batch, 1f, x, in, dy, out, 1f, dw, in),
        new Call("db", false, false, out, 1, batch, 1f, dy, out, ones, batch, 1f, db, out));
  }

  private final cublasHandle handle = new cublasHandle();
  private boolean closed;

  /**
   * A cuBLAS handle on the context current on this thread, in plain FP32 (no TF32 tensor-core
   * math, like our kernels). Fails with one line where JCublas cannot load libcublas.so.12.
   */
  CublasGemm() {
    try {
      JCublas2.setExceptionsEnabled(false);
      check(JCublas2.cublasCreate(handle), "cublasCreate");
    } catch (LinkageError e) {
      String m = String.valueOf(e.getMessage());
      int nl = m.indexOf('\n');
      throw new Gpu.Unavailable("cuBLAS anchor unavailable: JCublas 12.6.0 could not load (it needs libcublas.so.12 on"
          + " the loader path): " + (nl < 0 ? m : m.substring(0, nl)));
    }
    check(JCublas2.cublasSetMathMode(handle, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    int[] v = {0};
    JCublas2.cublasGetVersion(handle, v);
    System.out.println("cuBLAS " + v[0] / 10000 + "." + (v[0] / 100) % 100 + "." + v[0] % 100 + ", FP32 (CUBLAS_DEFAULT_MATH)");
  }

  /** Queues the calls on cuBLAS's stream (the context's default stream). */
  void run(List<Call> calls) {
    for (Call c : calls) {
      check(JCublas2.cublasSgemm(handle, op(c.transA()), op(c.transB()), c.m(), c.n(), c.k(),
          Pointer.to(new float[] {c.alpha()}), at(c.a()), c.lda(), at(c.b()), c.ldb(),
          Pointer.to(new float[] {c.beta()}), at(c.c()), c.ldc()), "cublasSgemm " + c.what());
    }
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

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    JCublas2.cublasDestroy(handle);
  }
}
