// Deliberately broken kernels, one per detector of the host harness's sanitizer, each beside its
// correct twin (kernel2). They live in the test tree and are compiled into the host library only
// (kernels/host/host_device.cpp includes this file when it exists), never into the fatbin.
// SanitizerTest launches them through HostDevice.
#pragma once

// memcheck — out (N) <- in (N) shifted by one: reads in[N], one past the end. Block 64, grid ⌈N/64⌉.
extern "C" __global__ void fault_oob_read_kernel1(float* out, const float* in, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i + 1];
}
// The twin: out (N) <- in (N).
extern "C" __global__ void fault_oob_read_kernel2(float* out, const float* in, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i];
}

// memcheck — out (N) = 1 for i ≤ N: writes out[N], one past the end. Block 64.
extern "C" __global__ void fault_oob_write_kernel1(float* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i <= n) out[i] = 1.f;
}
extern "C" __global__ void fault_oob_write_kernel2(float* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = 1.f;
}

// initcheck — out (N) <- scratch (N), which nobody wrote: the output is whatever the allocation held.
extern "C" __global__ void fault_uninit_kernel1(float* out, float* scratch, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = scratch[i] * 2.f;
}
// The twin writes scratch first.
extern "C" __global__ void fault_uninit_kernel2(float* out, float* scratch, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    scratch[i] = (float)i;
    out[i] = scratch[i] * 2.f;
  }
}

// racecheck — out (64) <- base + 63 − t through shared memory, without the barrier between the
// writes and the reads: a thread may read its partner's slot before the partner wrote it. Block 64.
// A bare __shared__ array, so only the schedule shows the race (its effect on the result).
extern "C" __global__ void fault_race_kernel1(int* out, int base) {
  __shared__ int s[64];
  const int t = threadIdx.x;
  s[t] = base + t;
  out[t] = s[63 - t];
}
extern "C" __global__ void fault_race_kernel2(int* out, int base) {
  __shared__ int s[64];
  const int t = threadIdx.x;
  s[t] = base + t;
  __syncthreads();
  out[t] = s[63 - t];
}

// racecheck — the same missing barrier on a tracked shared array (BV_SHARED): reported as a hazard
// naming the array and the element, whatever the schedule. Block 64.
extern "C" __global__ void fault_race_kernel3(int* out, int base) {
  BV_SHARED(int, slots, 64);
  const int t = threadIdx.x;
  slots[t] = base + t;
  out[t] = slots[63 - t];
}
extern "C" __global__ void fault_race_kernel4(int* out, int base) {
  BV_SHARED(int, slots, 64);
  const int t = threadIdx.x;
  slots[t] = base + t;
  __syncthreads();
  out[t] = slots[63 - t];
}

// memcheck — a shared-array index one past the end (thread 63 writes slots[64]). Block 64.
extern "C" __global__ void fault_shared_oob_kernel1(int* out) {
  BV_SHARED(int, slots, 64);
  const int t = threadIdx.x;
  slots[t + 1 < 65 ? t + 1 : 0] = t;
  __syncthreads();
  out[t] = t;
}
extern "C" __global__ void fault_shared_oob_kernel2(int* out) {
  BV_SHARED(int, slots, 64);
  const int t = threadIdx.x;
  slots[t] = t;
  __syncthreads();
  out[t] = slots[t];
}

// synccheck — the two halves of the block wait at different __syncthreads. Block 64.
extern "C" __global__ void fault_barrier_kernel1(int* out) {
  const int t = threadIdx.x;
  if (t < 32) {
    out[t] = 1;
    __syncthreads();
    out[t] += 2;
  } else {
    out[t] = 4;
    __syncthreads();
    out[t] *= 3;
  }
}
extern "C" __global__ void fault_barrier_kernel2(int* out) {
  const int t = threadIdx.x;
  out[t] = t < 32 ? 1 : 4;
  __syncthreads();
  out[t] = t < 32 ? out[t] + 2 : out[t] * 3;
}

// synccheck — a shuffle whose member mask leaves out half of the lanes that take part. Block 32.
extern "C" __global__ void fault_shfl_mask_kernel1(int* out) {
  const int t = threadIdx.x;
  out[t] = __shfl_xor_sync(0x0000ffffu, t, 1);
}
// synccheck — the upper half of the warp has exited, but the mask still names it. Block 32.
extern "C" __global__ void fault_shfl_exited_kernel1(int* out) {
  const int t = threadIdx.x;
  if (t >= 16) return;
  out[t] = __shfl_xor_sync(0xffffffffu, t, 1);
}
// The twin: the mask names exactly the lanes that meet.
extern "C" __global__ void fault_shfl_mask_kernel2(int* out) {
  const int t = threadIdx.x;
  if (t >= 16) return;
  out[t] = __shfl_xor_sync(0x0000ffffu, t, 1);
}

// racecheck and __syncwarp, block 64 (two warps). Lanes of one warp exchange values through a
// tracked shared array ordered by __syncwarp alone, then overwrite what they read after another
// one: legal on a GPU, no hazard (5). The same exchange between the two warps is a hazard: a
// __syncwarp orders only its own warp (6). Without the __syncwarp it is a hazard too (7).
extern "C" __global__ void fault_race_kernel5(int* out, int base) {
  BV_SHARED(int, slots, 64);
  const int t = threadIdx.x;
  slots[t] = base + t;
  __syncwarp();
  out[t] = slots[t ^ 1];
  __syncwarp();
  slots[t] = 0;
}
extern "C" __global__ void fault_race_kernel6(int* out, int base) {
  BV_SHARED(int, slots, 64);
  const int t = threadIdx.x;
  slots[t] = base + t;
  __syncwarp();
  out[t] = slots[t ^ 32];
}
extern "C" __global__ void fault_race_kernel7(int* out, int base) {
  BV_SHARED(int, slots, 64);
  const int t = threadIdx.x;
  slots[t] = base + t;
  out[t] = slots[t ^ 1];
}

#define BV_FAULT_KERNELS                                                                                  \
  BV_KERNEL(fault_oob_read_kernel1), BV_KERNEL(fault_oob_read_kernel2), BV_KERNEL(fault_oob_write_kernel1), \
      BV_KERNEL(fault_oob_write_kernel2), BV_KERNEL(fault_uninit_kernel1), BV_KERNEL(fault_uninit_kernel2), \
      BV_KERNEL(fault_race_kernel1), BV_KERNEL(fault_race_kernel2), BV_KERNEL(fault_barrier_kernel1),       \
      BV_KERNEL(fault_barrier_kernel2), BV_KERNEL(fault_shfl_mask_kernel1), BV_KERNEL(fault_shfl_exited_kernel1), \
      BV_KERNEL(fault_shfl_mask_kernel2), BV_KERNEL(fault_race_kernel3), BV_KERNEL(fault_race_kernel4),      \
      BV_KERNEL(fault_shared_oob_kernel1), BV_KERNEL(fault_shared_oob_kernel2), BV_KERNEL(fault_race_kernel5),  \
      BV_KERNEL(fault_race_kernel6), BV_KERNEL(fault_race_kernel7),
