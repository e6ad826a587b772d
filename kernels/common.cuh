// Shared pieces of every kernel family: activation codes and their derivatives, launch helpers and
// a deterministic block reduction.
//
// Activation codes are the ordinals of io.github.betavae.backend.Activation, so the Java launchers
// pass act.ordinal() unchanged. Derivatives are expressed through the output y = f(a), as on the CPU,
// so backward never needs the pre-activation.
//
// Compiled two ways: by nvcc for the GPU, and by g++ with host/cuda_host.h included first, which
// runs the very same source on the CPU (see kernels/README.md).
#pragma once

#define BV_ACT_IDENTITY 0
#define BV_ACT_RELU 1
#define BV_ACT_TANH 2
#define BV_ACT_SIGMOID 3

#define BV_CEIL_DIV(a, b) (((a) + (b) - 1) / (b))

// f(a) for activation code act.
__device__ __forceinline__ float bv_act(float a, int act) {
  switch (act) {
    case BV_ACT_RELU: return a > 0.f ? a : 0.f;
    case BV_ACT_TANH: return tanhf(a);
    case BV_ACT_SIGMOID: return 1.f / (1.f + expf(-a));
    default: return a;
  }
}

// f'(a) written through y = f(a); ReLU'(0) = 0 as in PyTorch.
__device__ __forceinline__ float bv_act_grad(float y, int act) {
  switch (act) {
    case BV_ACT_RELU: return y > 0.f ? 1.f : 0.f;
    case BV_ACT_TANH: return 1.f - y * y;
    case BV_ACT_SIGMOID: return y * (1.f - y);
    default: return 1.f;
  }
}

// Sum of v over the block, returned to every thread. Fixed pairing order (a shared-memory tree over
// a power-of-two block), no atomics: the same inputs give the same bits on every run. buf must hold
// blockDim.x floats and blockDim.x must be a power of two no larger than 1024.
__device__ __forceinline__ float bv_block_sum(float v, float* buf) {
  const int t = threadIdx.x;
  buf[t] = v;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half >>= 1) {
    if (t < half) buf[t] += buf[t + half];
    __syncthreads();
  }
  float s = buf[0];
  __syncthreads();  // buf may be reused by the caller right after
  return s;
}
