// Adam / AdamW: one fused update over the model's flat parameter buffer (PyTorch's formulation).
//
// Letters: N parameters. bc1 = 1 − β1^t and bc2 = 1 − β2^t are computed on the host per step.
// Accumulation contract: p, m and v are updated in place with =; g is read only.
#pragma once
#include "common.cuh"

// p (N), g (N), m (N), v (N):
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr·wd·p (AdamW, skipped for wd = 0);
//   p −= (lr/bc1)·m / (sqrt(v/bc2) + eps)
// grid min(ceil(N/256), 65535·k), block 256; grid-stride so any N fits
__device__ __forceinline__ void bv_adam(float* p, const float* g, float* m, float* v, long long N, float lr,
                                        float beta1, float beta2, float eps, float wd, float bc1, float bc2) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < N; i += stride) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + (1.f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float pi = p[i];
    if (wd != 0.f) pi -= lr * wd * pi;
    pi -= (lr / bc1) * mi / (sqrtf(vi / bc2) + eps);
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
// grid min(ceil(N/256), 65535·k), block 256
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
