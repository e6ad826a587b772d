// 2-D convolutions and transposed convolutions over NCHW tensors (DESIGN §3).
//
// Letters: N batch; the geometry's wide tensor X (N, C, H, W), its narrow tensor Y (N, O, OH, OW) and
// the kernel K (O, C, k, k), related by Y[n,o,i,j] = Σ_{c,kh,kw} X[n,c,i·s+kh−p, j·s+kw−p]·K[o,c,kh,kw].
// A convolution is X = input, Y = output; a transposed convolution the adjoint, X = output,
// Y = input, and its (inC, outC, k, k) weight (nn.ConvTranspose2d's layout) is the same K. So:
//   conv forward = conv_narrow, input gradient = conv_wide, weight gradient = conv_kernel_grad;
//   transposed forward = conv_wide, input gradient = conv_narrow, weight gradient = conv_kernel_grad
//   with X and Y taken from the output gradient and the input.
// Accumulation contract: the weight and bias gradients are accumulated with +=, all else written.
//
// conv_narrow and conv_wide compute one output element per thread, its terms in the order of the
// CPU engine (backend/cpu/ConvOps: c, kh, kw for narrow; o, kh, kw for wide), one fmaf each, then
// the bias, then the activation: the same bits as the CPU. conv_kernel_grad and conv_bias_grad give
// each output one block, 256 threads walking the (n, position) terms at a stride and a fixed tree
// (bv_block_sum) adding their partials: deterministic, within rounding of the CPU's row-order sum.
// Direct convolutions, not yet implicit GEMM: correct everywhere, fast nowhere in particular.
#pragma once
#include "common.cuh"

// X (N,C,H,W), K (O,C,k,k), b (O) or null -> Y (N,O,OH,OW) = act(Σ X·K + b)
// grid (ceil(OH·OW/256), O, N), block 256
extern "C" __global__ void conv_narrow(float* y, const float* x, const float* kern, const float* b, int C, int H, int W,
                                       int O, int OH, int OW, int k, int s, int p, int act) {
  const int e = blockIdx.x * blockDim.x + threadIdx.x, o = blockIdx.y, n = blockIdx.z;
  if (e >= OH * OW) return;
  const int i = e / OW, j = e % OW;
  float acc = 0.f;
  for (int c = 0; c < C; c++) {
    const float* xp = x + ((long long)n * C + c) * H * W;
    const float* kp = kern + ((long long)o * C + c) * k * k;
    for (int kh = 0; kh < k; kh++) {
      const int h = i * s + kh - p;
      if (h < 0 || h >= H) continue;
      for (int kw = 0; kw < k; kw++) {
        const int w = j * s + kw - p;
        if (w < 0 || w >= W) continue;
        acc = fmaf(xp[h * W + w], kp[kh * k + kw], acc);
      }
    }
  }
  y[((long long)n * O + o) * OH * OW + e] = bv_act(acc + (b ? b[o] : 0.f), act);
}

// Y (N,O,OH,OW), K (O,C,k,k), b (C) or null -> X (N,C,H,W) = act(Σ Y·K + b), the terms where
// (h + p − kh) and (w + p − kw) are multiples of s inside Y
// grid (ceil(H·W/256), C, N), block 256
extern "C" __global__ void conv_wide(float* x, const float* y, const float* kern, const float* b, int C, int H, int W,
                                     int O, int OH, int OW, int k, int s, int p, int act) {
  const int e = blockIdx.x * blockDim.x + threadIdx.x, c = blockIdx.y, n = blockIdx.z;
  if (e >= H * W) return;
  const int h = e / W, w = e % W;
  float acc = 0.f;
  for (int o = 0; o < O; o++) {
    const float* yp = y + ((long long)n * O + o) * OH * OW;
    const float* kp = kern + ((long long)o * C + c) * k * k;
    for (int kh = 0; kh < k; kh++) {
      const int t = h + p - kh;
      if (t < 0 || t % s != 0 || t / s >= OH) continue;
      const int i = t / s;
      for (int kw = 0; kw < k; kw++) {
        const int u = w + p - kw;
        if (u < 0 || u % s != 0 || u / s >= OW) continue;
        acc = fmaf(yp[i * OW + u / s], kp[kh * k + kw], acc);
      }
    }
  }
  x[((long long)n * C + c) * H * W + e] = bv_act(acc + (b ? b[c] : 0.f), act);
}

// X (N,C,H,W), Y (N,O,OH,OW) -> K (O,C,k,k) += Σ_{n,i,j} Y·X
// grid (k·k, C, O), block 256: one block per weight element
extern "C" __global__ void conv_kernel_grad(float* kern, const float* x, const float* y, int N, int C, int H, int W,
                                            int O, int OH, int OW, int k, int s, int p) {
  BV_SHARED(float, buf, 32);
  const int kh = blockIdx.x / k, kw = blockIdx.x % k, c = blockIdx.y, o = blockIdx.z;
  const int plane = OH * OW;
  float acc = 0.f;
  // term t = n·plane + (i·OW + j), walked at a stride of the block size
  for (int n = 0; n < N; n++) {
    const float* yp = y + ((long long)n * O + o) * plane;
    const float* xp = x + ((long long)n * C + c) * H * W;
    for (int e = threadIdx.x; e < plane; e += blockDim.x) {
      const int i = e / OW, j = e % OW;
      const int h = i * s + kh - p, w = j * s + kw - p;
      if (h >= 0 && h < H && w >= 0 && w < W) acc = fmaf(yp[e], xp[h * W + w], acc);
    }
  }
  const float total = bv_block_sum(acc, buf);
  if (threadIdx.x == 0) kern[(((long long)o * C + c) * k + kh) * k + kw] += total;
}

// dy (N,Ch,P) is overwritten with dA = dy ⊙ act'(y); db (Ch) += Σ_{n,e} dA
// grid Ch, block 256: one block per channel
extern "C" __global__ void conv_bias_grad(float* dy, float* db, const float* y, int N, int Ch, int P, int act) {
  BV_SHARED(float, buf, 32);
  const int c = blockIdx.x;
  float acc = 0.f;
  for (int n = 0; n < N; n++) {
    const long long base = ((long long)n * Ch + c) * P;
    for (int e = threadIdx.x; e < P; e += blockDim.x) {
      const float g = dy[base + e] * bv_act_grad(y[base + e], act);
      dy[base + e] = g;
      acc += g;
    }
  }
  const float total = bv_block_sum(acc, buf);
  if (threadIdx.x == 0) db[c] += total;
}
