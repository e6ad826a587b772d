// Adam / AdamW: one fused update over the model's flat parameter buffer (PyTorch's formulation).
//
// Letters: N parameters. bc1 = 1 − β1^t and bc2 = 1 − β2^t are computed on the host per step.
// Accumulation contract: p, m and v are updated in place with =; g is read only.
#pragma once
#include "common.cuh"

// p (N), g (N), m (N), v (N):
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr·wd·p (AdamW, skipped for wd = 0);
//   p −= (lr/bc1)·m / (sqrt(v/bc2) + eps)
// Where the four buffers are 16-byte aligned (whole device buffers are), four parameters a thread
// with 128-bit accesses, then the last N mod 4 one by one; else one by one throughout. The same
// arithmetic per element either way, so the same bits.
// grid min(ceil(N/1024), 65535·k), block 256; grid-stride so any N fits
__device__ __forceinline__ float bv_adam1(float& pi, float gi, float mi, float vi, float lr, float beta1, float beta2,
                                          float eps, float wd, float bc1, float bc2, float& vo) {
  mi = beta1 * mi + (1.f - beta1) * gi;
  vi = beta2 * vi + (1.f - beta2) * gi * gi;
  vo = vi;
  if (wd != 0.f) pi -= lr * wd * pi;
  pi -= (lr / bc1) * mi / (sqrtf(vi / bc2) + eps);
  return mi;
}

__device__ __forceinline__ void bv_adam(float* p, const float* g, float* m, float* v, long long N, float lr,
                                        float beta1, float beta2, float eps, float wd, float bc1, float bc2) {
  const long long stride = (long long)gridDim.x * blockDim.x, first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  const bool aligned = ((reinterpret_cast<unsigned long long>(p) | reinterpret_cast<unsigned long long>(g) |
                         reinterpret_cast<unsigned long long>(m) | reinterpret_cast<unsigned long long>(v)) & 15) == 0;
  const long long n4 = aligned ? N / 4 : 0;
  for (long long q = first; q < n4; q += stride) {
    const long long i = 4 * q;
    float4 pp = BV_LDW4(p + i), mm = BV_LDW4(m + i), vv = BV_LDW4(v + i);
    const float4 gg = BV_LD4(g + i);
    mm.x = bv_adam1(pp.x, gg.x, mm.x, vv.x, lr, beta1, beta2, eps, wd, bc1, bc2, vv.x);
    mm.y = bv_adam1(pp.y, gg.y, mm.y, vv.y, lr, beta1, beta2, eps, wd, bc1, bc2, vv.y);
    mm.z = bv_adam1(pp.z, gg.z, mm.z, vv.z, lr, beta1, beta2, eps, wd, bc1, bc2, vv.z);
    mm.w = bv_adam1(pp.w, gg.w, mm.w, vv.w, lr, beta1, beta2, eps, wd, bc1, bc2, vv.w);
    BV_ST4(m + i, mm);
    BV_ST4(v + i, vv);
    BV_ST4(p + i, pp);
  }
  for (long long i = 4 * n4 + first; i < N; i += stride) {
    float pi = p[i], vi;
    m[i] = bv_adam1(pi, g[i], m[i], v[i], lr, beta1, beta2, eps, wd, bc1, bc2, vi);
    v[i] = vi;
    p[i] = pi;
  }
}

extern "C" __global__ void adam_step_kernel1(float* p, const float* g, float* m, float* v, long long N, float lr,
                                             float beta1, float beta2, float eps, float wd, float bc1, float bc2) {
  bv_adam(p, g, m, v, N, lr, beta1, beta2, eps, wd, bc1, bc2);
}

// The update of a resident step (objective.cu's record rec): t = rec[0] + 1, bc1 = 1 − β1^t and
// bc2 = 1 − β2^t in double from the double β's (as the host computes them), rounded to float; no
// update at all when rec[1] flags a non-finite loss or gradient. Every block's thread 0 computes the
// corrections once and shares them.
// grid min(ceil(N/1024), 65535·k), block 256
extern "C" __global__ void adam_step_kernel2(float* p, const float* g, float* m, float* v, long long N, float lr,
                                             float beta1, float beta2, float eps, float wd, double beta1d,
                                             double beta2d, const long long* rec) {
  if (rec[1] != 0) return;  // the same value for every thread: the whole grid returns together
  BV_SHARED(float, bc, 2);
  if (threadIdx.x == 0) {
    const double t = (double)(rec[0] + 1);
    bc[0] = (float)(1.0 - pow(beta1d, t));
    bc[1] = (float)(1.0 - pow(beta2d, t));
  }
  __syncthreads();
  const float bc1 = bc[0], bc2 = bc[1];
  bv_adam(p, g, m, v, N, lr, beta1, beta2, eps, wd, bc1, bc2);
}
