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
extern "C" __global__ void adam_step_kernel1(float* p, const float* g, float* m, float* v, long long N, float lr,
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
