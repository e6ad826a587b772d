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

// The guard of a resident step: when x (N) holds a NaN or ±∞, sets bit 1 of rec[1] and lowers rec[2]
// to the smallest such index (the objective kernel set rec[2] to INT64_MAX). Integer OR and MIN are
// order-independent, so the record is the same on every run.
// grid min(ceil(N/256), 65535·16), block 256; grid-stride so any N fits
extern "C" __global__ void finite_record_kernel1(long long* rec, const float* x, long long N) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  long long first = 0x7fffffffffffffffLL;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < N; i += stride) {
    if ((__float_as_uint(x[i]) & 0x7f800000u) == 0x7f800000u) {
      first = i;  // indices rise along the loop: the first hit is this thread's smallest
      break;
    }
  }
  if (first != 0x7fffffffffffffffLL) {
    atomicOr((unsigned long long*)&rec[1], 2ull);
    atomicMin(&rec[2], first);
  }
}
