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

// Shared arrays are declared through these, never with a bare __shared__: under nvcc they are plain
// __shared__ arrays; the host harness (host/cuda_host.h) instruments them, checking every index and,
// under racecheck, every access between barriers.
#ifndef BV_SHARED
#define BV_SHARED(T, name, N) __shared__ T name[N]
#define BV_SHARED2(T, name, R, C) __shared__ T name[R][C]
// 32-byte aligned, as WMMA loads and stores need; BV_SHARED_AT is &name[r][c] for them.
#define BV_SHARED2A(T, name, R, C) __shared__ __align__(32) T name[R][C]
#define BV_SHARED_AT(name, r, c) (&(name)[r][c])
#endif

// 128-bit accesses: four consecutive floats in one load or store. Global addresses must be 16-byte
// aligned (the GPU faults on a misaligned one; the harness reports it as a finding), shared ones are
// element (r, c) of an array declared with BV_SHARED2A whose row length and c are multiples of 4.
#ifndef BV_LD4
#define BV_LD4(p) __ldg(reinterpret_cast<const float4*>(p))
// the same for memory the kernel also writes (no read-only cache path)
#define BV_LDW4(p) (*reinterpret_cast<const float4*>(p))
#define BV_ST4(p, v) (*reinterpret_cast<float4*>(p) = (v))
#define BV_LDS4(name, r, c) (*reinterpret_cast<const float4*>(&(name)[r][c]))
#define BV_STS4(name, r, c, v) (*reinterpret_cast<float4*>(&(name)[r][c]) = (v))
#endif

// Asynchronous copies from global to shared memory (cp.async, sm_80 and later): BV_CP_ASYNC4 starts
// copying n ≤ 4 floats from src to name[r][c .. c+3], filling the rest of the four with zeros (src
// 16-byte aligned; with n = 0 nothing is read, but src must still be a valid aligned address);
// BV_CP_ASYNC_COMMIT closes this thread's group of copies started since the last commit;
// BV_CP_ASYNC_WAIT(N) waits until at most the N most recent groups are still in flight. A copy is
// visible to the other threads of the block only after its thread's wait and then a __syncthreads.
// The harness lands a copy only when its thread waits for it (host/cuda_host.h), so a read that
// forgets the wait sees the old contents there too, and fails the parity tests.
#ifndef BV_CP_ASYNC4
__device__ __forceinline__ void bv_cp_async16(float* dst, const float* src, int bytes) {
  const unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(bytes) : "memory");
}
#define BV_CP_ASYNC4(name, r, c, src, n) bv_cp_async16(&(name)[r][c], (src), (n) * 4)
#define BV_CP_ASYNC_COMMIT() asm volatile("cp.async.commit_group;\n" ::: "memory")
#define BV_CP_ASYNC_WAIT(N) asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory")
#endif

// Sum of v over the 32 lanes of a warp, returned to every lane. The xor butterfly pairs lanes in
// the same fixed pattern on every run, so the result is deterministic.
__device__ __forceinline__ float bv_warp_sum(float v) {
  for (int m = 16; m > 0; m >>= 1) v += __shfl_xor_sync(0xffffffffu, v, m);
  return v;
}

// Sum of v over the block, returned to every thread: warp butterflies, then the first warp sums the
// per-warp totals. Fixed pairing order and no atomics, so the same inputs give the same bits on
// every run. blockDim.x must be a multiple of 32 (at most 1024); buf is a shared array of 32 floats
// (BV_SHARED(float, buf, 32)).
template <class SharedBuf>
__device__ __forceinline__ float bv_block_sum(float v, SharedBuf& buf) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = bv_warp_sum(v);
  if (lane == 0) buf[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float t = lane < warps ? buf[lane] : 0.f;
    t = bv_warp_sum(t);
    if (lane == 0) buf[0] = t;
  }
  __syncthreads();
  const float s = buf[0];
  __syncthreads();  // buf may be reused by the caller right after
  return s;
}
