// Batch assembly on the device: gather dataset rows by index and convert uint8 pixels to float.
//
// Letters: B batch, D features per row, R rows in the dataset. scale255 = 1 divides by 255 (8-bit
// grey levels), 0 keeps the value (data already binary, as dSprites' imgs), DESIGN §8.
// Accumulation contract: out is written with =.
#pragma once
#include "common.cuh"

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
