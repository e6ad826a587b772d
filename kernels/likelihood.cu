// Reconstruction likelihoods: per-sample loss and its gradient in one pass over the logits.
//
// Letters: B batch, D features. kind: 0 Bernoulli with logits (softplus(l) − x·l, gradient σ(l) − x),
// 1 Gaussian squared error ((l − x)², gradient 2(l − x)) — the ordinals of
// io.github.betavae.backend.Likelihood.
// Accumulation contract: lossPerSample and dlogits are written with =.
// One block per sample; each thread sums a strided subset of the features in order, then
// fixed-order warp butterflies join the partial sums: deterministic, no atomics.
#pragma once
#include "common.cuh"

// logits (B,D), x (B,D) -> lossPerSample (B) = Σ_D ℓ; dlogits (B,D) = scale·∂ℓ/∂logits (skipped when null)
// grid B, block 256
extern "C" __global__ void likelihood_forward_kernel1(float* lossPerSample, float* dlogits, const float* logits,
                                                      const float* x, int B, int D, int kind, float scale) {
  BV_SHARED(float, red, 32);
  const long long row = (long long)blockIdx.x * D;
  float s = 0.f;
  for (int j = threadIdx.x; j < D; j += blockDim.x) {
    const float a = logits[row + j], t = x[row + j];
    float v, g;
    if (kind == 0) {
      // softplus(a) = max(a,0) + log1p(exp(-|a|)) stays finite for large |a|
      v = fmaxf(a, 0.f) + log1pf(expf(-fabsf(a))) - t * a;
      g = 1.f / (1.f + expf(-a)) - t;
    } else {
      const float e = a - t;
      v = e * e;
      g = 2.f * e;
    }
    s += v;
    if (dlogits) dlogits[row + j] = scale * g;
  }
  const float total = bv_block_sum(s, red);
  if (threadIdx.x == 0) lossPerSample[blockIdx.x] = total;
}
