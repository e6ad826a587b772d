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
// the bias, then the activation, and conv_kernel_grad one weight element per thread in the CPU's
// order: the same bits as the CPU. conv_bias_grad gives each channel a block, its threads walking the
// (n, position) terms at a stride and a fixed tree adding the partials: deterministic, within
// rounding of the CPU's in-order sum.
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
  // only kh ≡ h + p (mod s) reach a row of Y: start there and step by s (ascending, the CPU's order)
  const int rh = (h + p) % s, rw = (w + p) % s;
  float acc = 0.f;
  for (int o = 0; o < O; o++) {
    const float* yp = y + ((long long)n * O + o) * OH * OW;
    const float* kp = kern + ((long long)o * C + c) * k * k;
    for (int kh = rh; kh < k; kh += s) {
      const int t = h + p - kh;
      if (t < 0) break;
      const int i = t / s;
      if (i >= OH) continue;
      for (int kw = rw; kw < k; kw += s) {
        const int u = w + p - kw;
        if (u < 0) break;
        const int j = u / s;
        if (j >= OW) continue;
        acc = fmaf(yp[i * OW + j], kp[kh * k + kw], acc);
      }
    }
  }
  x[((long long)n * C + c) * H * W + e] = bv_act(acc + (b ? b[c] : 0.f), act);
}

// X (N,C,H,W), Y (N,O,OH,OW) -> K (O,C,k,k) += Σ_{n,i,j} Y·X
// One thread per weight element, walking its terms in the CPU engine's order (n, then i, j) with one
// fmaf each: the same bits as the CPU, no shared memory, no barrier. A long serial sum where the
// weight has few elements and the map many positions (the first layer's 512 weights at batch 64 sum
// 65,536 terms each): the place an implicit-GEMM version would gain most.
// grid ceil(O·C·k·k / 256), block 256
extern "C" __global__ void conv_kernel_grad(float* kern, const float* x, const float* y, int N, int C, int H, int W,
                                            int O, int OH, int OW, int k, int s, int p) {
  const long long elem = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (elem >= (long long)O * C * k * k) return;
  const int kw = (int)(elem % k), kh = (int)(elem / k % k), c = (int)(elem / ((long long)k * k) % C);
  const int o = (int)(elem / ((long long)k * k * C));
  float acc = kern[elem];  // the gradient accumulated so far, then one fmaf per term (the CPU's order)
  for (int n = 0; n < N; n++) {
    const float* yp = y + ((long long)n * O + o) * OH * OW;
    const float* xp = x + ((long long)n * C + c) * H * W;
    for (int i = 0; i < OH; i++) {
      const int h = i * s + kh - p;
      if (h < 0 || h >= H) continue;
      for (int j = 0; j < OW; j++) {
        const int w = j * s + kw - p;
        if (w < 0 || w >= W) continue;
        acc = fmaf(yp[i * OW + j], xp[h * W + w], acc);
      }
    }
  }
  kern[elem] = acc;
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
