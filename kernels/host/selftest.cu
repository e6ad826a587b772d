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

// cp.async: with a block of 32 threads, thread t starts two groups of copies into a shared array
// first filled with −1: group 0 copies in[4t .. 4t+3] to row 0, group 1 copies the first t % 5
// floats of in[128 + 4t ..] to row 1 (zeros after them; the source is in itself where t % 5 = 0).
// Then it waits with BV_CP_ASYNC_WAIT(wait) (0 or 1) and out (256) receives both rows after a
// __syncthreads. Waiting for all groups gives the copies; leaving one group in flight leaves row 1
// at −1 here (the harness lands a copy only when its thread waits for it).
extern "C" __global__ void selftest_cp_async_kernel1(float* out, const float* in, int wait) {
  BV_SHARED2A(float, rows, 2, 128);
  const int t = threadIdx.x;
  for (int q = 0; q < 4; q++) rows[0][4 * t + q] = rows[1][4 * t + q] = -1.f;
  BV_CP_ASYNC4(rows, 0, 4 * t, in + 4 * t, 4);
  BV_CP_ASYNC_COMMIT();
  const int n = t % 5;
  BV_CP_ASYNC4(rows, 1, 4 * t, n > 0 ? in + 128 + 4 * t : in, n);
  BV_CP_ASYNC_COMMIT();
  if (wait == 0) {
    BV_CP_ASYNC_WAIT(0);
  } else {
    BV_CP_ASYNC_WAIT(1);
  }
  __syncthreads();
  for (int i = t; i < 128; i += 32) {
    out[i] = rows[0][i];
    out[128 + i] = rows[1][i];
  }
}

// Alignment faults the GPU raises whatever the sanitizer, which the harness reports too: case 0, a
// 128-bit shared load from an array not declared with BV_SHARED2A; 1, from an aligned array at an
// element whose offset is not a multiple of 4 (rows of 6 floats); 2, a WMMA load from an element
// 16 bytes but not 32 bytes into an aligned array; 3, a WMMA load with ldm not a multiple of 4;
// 4, a legal 128-bit load and WMMA load (rows of 8 floats, element [1][0]). out[0] receives a value
// read so the accesses are not dead.
extern "C" __global__ void selftest_align_kernel1(float* out, int which) {
  BV_SHARED2(float, plain, 2, 8);
  BV_SHARED2A(float, six, 4, 6);
  BV_SHARED2A(float, eight, 16, 8);
  const int t = threadIdx.x;
  for (int i = t; i < 16; i += blockDim.x) plain[i / 8][i % 8] = (float)i;
  for (int i = t; i < 24; i += blockDim.x) six[i / 6][i % 6] = (float)i;
  for (int i = t; i < 128; i += blockDim.x) eight[i / 8][i % 8] = (float)i;
  __syncthreads();
  float v = 0.f;
  if (which == 0) v = BV_LDS4(plain, 0, 0).x;
  if (which == 1) v = BV_LDS4(six, 1, 0).x;
  if (which == 4) v = BV_LDS4(eight, 1, 0).x;
  if (which >= 2) {
    nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 8, nvcuda::wmma::precision::tf32, nvcuda::wmma::row_major> a;
    if (which == 2) nvcuda::wmma::load_matrix_sync(a, BV_SHARED_AT(eight, 0, 4), 8);
    if (which == 3) nvcuda::wmma::load_matrix_sync(a, BV_SHARED_AT(eight, 0, 0), 6);
    if (which == 4) nvcuda::wmma::load_matrix_sync(a, BV_SHARED_AT(eight, 0, 0), 8);
    v += a.x[0];
  }
  if (t == 0) out[0] = v;
}
