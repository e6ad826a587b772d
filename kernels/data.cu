// Batch assembly on the device: gather dataset rows by index and convert uint8 pixels to float.
//
// Letters: B batch, D features per row, R rows in the dataset. scale255 = 1 divides by 255 (8-bit
// grey levels), 0 keeps the value (data already binary, as dSprites' imgs), DESIGN §8.
// Accumulation contract: out is written with =.
#pragma once
#include "common.cuh"
#include "philox.cuh"

// data (R,D) uint8, rows (B) int32 indices into data -> out (B,D) float
// grid (ceil(D/256), B), block 256
extern "C" __global__ void gather_forward_kernel1(float* out, const unsigned char* data, const int* rows, int B,
                                                  int D, int scale255) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  const int i = blockIdx.y;
  if (j >= D || i >= B) return;
  const float v = (float)data[(long long)rows[i] * D + j];
  out[(long long)i * D + j] = scale255 ? v / 255.f : v;
}

// Value j of row `row` of a resident dataset: format 0 a byte as it is, 1 a byte / 255 (grey levels),
// 2 one bit (binary images, 8 pixels per byte: bit e & 7 of byte e >> 3, e = row·D + j), 3 a float.
__device__ __forceinline__ float bv_data_value(const unsigned char* data, int row, int j, int D, int format) {
  const long long e = (long long)row * D + j;
  if (format == 2) return (float)((data[e >> 3] >> (e & 7)) & 1);
  if (format == 3) return ((const float*)data)[e];
  const float v = (float)data[e];
  return format == 1 ? v / 255.f : v;
}

// data (R·D bits, packed as above), rows (B) int32 -> out (B,D) float in {0, 1}
// grid (ceil(D/256), B), block 256
extern "C" __global__ void gather_bits_kernel1(float* out, const unsigned char* data, const int* rows, int B, int D) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  const int i = blockIdx.y;
  if (j >= D || i >= B) return;
  out[(long long)i * D + j] = bv_data_value(data, rows[i], j, D, 2);
}

// data (R,D) float32, rows (B) int32 -> out (B,D)
// grid (ceil(D/256), B), block 256
extern "C" __global__ void gather_floats_kernel1(float* out, const float* data, const int* rows, int B, int D) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  const int i = blockIdx.y;
  if (j >= D || i >= B) return;
  out[(long long)i * D + j] = data[(long long)rows[i] * D + j];
}

// The batch of a resident step: out (B,D) = rows perm[rec[3] .. rec[3]+B) of data (format as in
// bv_data_value), rec[3] being the first row of step rec[0] in its epoch's order (objective.cu's
// record), so a replayed graph gathers the batch of the step the device is at.
// grid (ceil(D/256), B), block 256
extern "C" __global__ void gather_step_kernel1(float* out, const unsigned char* data, const int* perm,
                                               const long long* rec, int B, int D, int format) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  const int i = blockIdx.y;
  if (j >= D || i >= B) return;
  out[(long long)i * D + j] = bv_data_value(data, perm[rec[3] + i], j, D, format);
}

// The epoch order on the device: perm (n) = the Fisher–Yates permutation of io.github.betavae.data.Shuffle
// for (seed, epoch), the same swaps from the same Philox words (stream 2, step = epoch, i = n−1 .. 1,
// j = ⌊word·(i+1) / 2³²⌋). Sequential by nature: one thread, run once per epoch.
// grid 1, block 1
extern "C" __global__ void shuffle_kernel1(int* perm, int n, long long seed, long long epoch) {
  for (int i = 0; i < n; i++) perm[i] = i;
  bv_u32x4 b = {0u, 0u, 0u, 0u};
  for (int i = n - 1; i > 0; i--) {
    if (i == n - 1 || (i & 3) == 3) b = bv_philox_block(seed, (long long)(i >> 2), epoch, 2);
    const unsigned int x = bv_philox_word(b, i & 3);
    const int j = (int)(((unsigned long long)x * (unsigned long long)(i + 1)) >> 32);
    const int t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}
