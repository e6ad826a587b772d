// Kernels that exercise the harness itself (shuffles, barriers, atomics, deadlock detection); they
// are compiled into the host library only, for HostDeviceTest, never into the fatbin.
#pragma once

// -> out (5·64 + 2) int, with a block of 64 threads (two warps):
//   out[t]       = __shfl_down_sync(t, 1, width 16)   (own value past the segment end)
//   out[64 + t]  = __shfl_up_sync(t, 3)
//   out[128 + t] = __shfl_xor_sync(t, 5)
//   out[192 + t] = __shfl_sync(t, 7)                  (lane 7 of the thread's warp)
//   out[256 + t] = sum of t over the block after a __syncthreads, via shared memory
//   out[320]     = atomicAdd count of threads, out[321] = atomicMax of t
extern "C" __global__ void selftest_warp_kernel1(int* out) {
  __shared__ int vals[64];
  const int t = threadIdx.x;
  out[t] = __shfl_down_sync(0xffffffffu, t, 1, 16);
  out[64 + t] = __shfl_up_sync(0xffffffffu, t, 3);
  out[128 + t] = __shfl_xor_sync(0xffffffffu, t, 5);
  out[192 + t] = __shfl_sync(0xffffffffu, t, 7);
  vals[t] = t;
  __syncthreads();
  int s = 0;
  for (int i = 0; i < 64; i++) s += vals[i];
  out[256 + t] = s;
  atomicAdd(&out[320], 1);
  atomicMax(&out[321], t);
}

// Half of each warp waits at __syncwarp, the other half at __syncthreads: neither barrier can
// complete (a hang on a GPU), which the harness reports as a deadlock. Block of 64 threads.
extern "C" __global__ void selftest_deadlock_kernel1(int* out) {
  if ((threadIdx.x & 31) < 16) {
    __syncwarp();
  } else {
    __syncthreads();
  }
  out[threadIdx.x] = 1;
}
