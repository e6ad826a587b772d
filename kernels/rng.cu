// Raw Philox draws: the uint32 stream and the normals of philox.cuh written to memory. The parity
// tests compare them with io.github.betavae.rng.Philox (bit for bit for the uint32 stream), and they
// fill buffers with noise where a whole array of draws is wanted.
//
// Letters: N elements; element e takes word e % 4 of block (seed, quad e/4, step, stream).
// Accumulation contract: out is written with =.
#pragma once
#include "common.cuh"
#include "philox.cuh"

// -> out (N) uint32 draws.  grid ceil(N/256), block 256
extern "C" __global__ void philox_uint32_kernel1(unsigned int* out, long long N, long long seed, long long step,
                                                 int stream) {
  const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= N) return;
  out[e] = bv_philox_word(bv_philox_block(seed, e >> 2, step, stream), (int)(e & 3));
}

// -> out (N) standard normals (Box–Muller).  grid ceil(N/256), block 256
extern "C" __global__ void philox_normal_kernel1(float* out, long long N, long long seed, long long step, int stream) {
  const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= N) return;
  out[e] = bv_philox_normal(seed, e, step, stream);
}
