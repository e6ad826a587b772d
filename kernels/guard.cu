// The numeric guard on the device: whether a buffer holds a NaN or ±∞, answered with one int, so the
// trainer's per-step check reads 4 bytes back instead of the whole gradient.
//
// Letters: N elements. Accumulation contract: flag is set with an integer OR (never cleared here;
// the launcher zeroes it first); x is read only. Integer OR is order-independent, so the result is
// the same on every run (no float atomics).
#pragma once
#include "common.cuh"

// flag (1) |= 1 if any of x (N) is NaN or ±∞ (exponent bits all ones)
// grid min(ceil(N/256), 65535·16), block 256; grid-stride so any N fits
extern "C" __global__ void finite_check_kernel1(int* flag, const float* x, long long N) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  int bad = 0;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < N; i += stride) {
    bad |= (__float_as_uint(x[i]) & 0x7f800000u) == 0x7f800000u;
  }
  if (bad) atomicOr(flag, 1);
}
