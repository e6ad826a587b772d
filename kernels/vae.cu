// Reparameterization z = μ + exp(½·logvar)·ε fused with the Gaussian KL to N(0, I), and backward.
//
// Letters: B batch, Z latent size. stats (B,2Z) holds [μ | logvar] per row. ε for flat element
// e = b·Z + d is the Philox normal of (seed, quad e/4, step, BV_STREAM_EPS): backward regenerates
// it from the same counters instead of storing it.
// Accumulation contract: everything here is written with = (z, klSum, dstats).
// KL sums are deterministic: one block per latent dimension, each thread sums its rows in order,
// then fixed-order warp butterflies (bv_block_sum); no float atomics.
#pragma once
#include "common.cuh"
#include "philox.cuh"

// stats (B,2Z) -> z (B,Z) = μ + exp(½·logvar)·ε (z = μ when sample is 0),
//                 klSum (Z) = Σ_B ½(μ² + exp(logvar) − logvar − 1)
// grid Z, block 128 (a multiple of 32)
__device__ __forceinline__ void bv_reparam_forward(float* z, float* klSum, const float* stats, int B, int Z,
                                                   long long seed, long long step, int sample) {
  BV_SHARED(float, red, 32);
  const int d = blockIdx.x;
  float kl = 0.f;
  for (int i = threadIdx.x; i < B; i += blockDim.x) {
    const float mu = stats[(long long)i * 2 * Z + d];
    const float lv = stats[(long long)i * 2 * Z + Z + d];
    const long long e = (long long)i * Z + d;
    z[e] = sample ? mu + expf(0.5f * lv) * bv_philox_normal(seed, (long long)e, step, BV_STREAM_EPS) : mu;
    kl += 0.5f * (mu * mu + expf(lv) - lv - 1.f);
  }
  const float s = bv_block_sum(kl, red);
  if (threadIdx.x == 0) klSum[d] = s;
}

// stats (B,2Z), dz (B,Z) or null, klGrad (Z) -> dstats (B,2Z):
//   dμ = dz + g·μ;  dlogvar = dz·ε·½·exp(½·logvar) + g·½(exp(logvar) − 1),  g = klGrad[d]
// The ε term is present only when sample is 1 and dz is given.
// grid ceil(B·Z/256), block 256
__device__ __forceinline__ void bv_reparam_backward(float* dstats, const float* dz, const float* stats,
                                                    const float* klGrad, int B, int Z, long long seed,
                                                    long long step, int sample) {
  // 32-bit index arithmetic (the launcher checks B·Z < 2³¹): no 64-bit division in the kernel.
  const int e = blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= B * Z) return;
  const int i = e / Z;
  const int d = e - i * Z;
  const float mu = stats[(long long)i * 2 * Z + d];
  const float lv = stats[(long long)i * 2 * Z + Z + d];
  const float gz = dz ? dz[e] : 0.f;  // (B,Z) row-major: element e
  const float gk = klGrad[d];
  const float dmu = gz + gk * mu;
  float dlv = gk * 0.5f * (expf(lv) - 1.f);
  if (sample && dz) dlv += gz * bv_philox_normal(seed, (long long)e, step, BV_STREAM_EPS) * 0.5f * expf(0.5f * lv);
  dstats[(long long)i * 2 * Z + d] = dmu;
  dstats[(long long)i * 2 * Z + Z + d] = dlv;
}

extern "C" __global__ void reparam_forward_kernel1(float* z, float* klSum, const float* stats, int B, int Z,
                                                   long long seed, long long step, int sample) {
  bv_reparam_forward(z, klSum, stats, B, Z, seed, step, sample);
}

extern "C" __global__ void reparam_backward_kernel1(float* dstats, const float* dz, const float* stats,
                                                    const float* klGrad, int B, int Z, long long seed,
                                                    long long step, int sample) {
  bv_reparam_backward(dstats, dz, stats, klGrad, B, Z, seed, step, sample);
}

// The same two ops in a resident step: the Philox step is rec[0] of objective.cu's record (read on
// the device, so a captured graph replays with the step the device is at), and ε is always drawn.
extern "C" __global__ void reparam_forward_kernel2(float* z, float* klSum, const float* stats, int B, int Z,
                                                   long long seed, const long long* rec) {
  bv_reparam_forward(z, klSum, stats, B, Z, seed, rec[0], 1);
}

extern "C" __global__ void reparam_backward_kernel2(float* dstats, const float* dz, const float* stats,
                                                    const float* klGrad, int B, int Z, long long seed,
                                                    const long long* rec) {
  bv_reparam_backward(dstats, dz, stats, klGrad, B, Z, seed, rec[0], 1);
}
