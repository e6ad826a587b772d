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
// Implicit GEMM: each of the three is one product whose operand on the image side is read straight
// from the tensor, never written out as an im2col matrix (bv_conv_tile: output tiles of 32 or 64
// rows × 16 or 64 columns on 256 threads, K staged through shared memory 16 at a time, as dense.cu's
// bv_gemm_tile, with gathering loaders in place of strided ones; ConvKernels.java picks the tile):
//   conv_narrow       Y (O, N·OH·OW) = K (O, C·k²) · im2col(X) (C·k², N·OH·OW), bias + activation fused;
//   conv_wide         by stride phase (rh, rw) = ((h + p) mod s, (w + p) mod s): the positions of one
//                     phase meet the same taps kh = rh + a·s, kw = rw + q·s, so each phase is a product
//                     X (C, N·positions) = K_phase (C, O·⌈k/s⌉²) · Y-taps, without the zero taps a
//                     stride leaves (grid.z = phase); bias + activation fused;
//   conv_kernel_grad  K (O, C·k²) += Y (O, N·OH·OW) · im2col(X)ᵀ, the sum over (n, i, j) split into
//                     chunks (conv_kernel_grad_partial, then dense.cu's dense_backward_dw_sum adds the
//                     chunks in order) where the weight has too few tiles to fill the GPU.
// Every output takes its terms in the CPU engine's order (backend/cpu/ConvOps and ConvGemm: (c, kh,
// kw) for narrow, (o, kh, kw) for wide, (n, i, j) for the weight gradient), one fmaf each, from the
// same start (0, or the weight gradient so far), the taps outside the image skipped or read as 0 (a
// zero term adds exactly nothing to a sum that starts at +0): the same bits as the CPU, except a
// split weight gradient, whose chunks are summed separately (deterministic, within rounding).
// conv_wide_direct, one thread per output element, serves a wide side of at most 4 channels (the
// decoder's last transposed convolution writes one), where a 32-row tile would be nearly all
// padding. conv_bias_grad gives each channel a block, its threads walking the (n, position) terms at
// a stride and a fixed tree adding the partials: deterministic, within rounding of the CPU's sum;
// conv_bias_grad_partial does the same per chunk of samples where a channel has many positions.
#pragma once
#include "common.cuh"
#include "dense_tf32.cu"

#define CV_BK 16
#define CV_THREADS 256

struct BvConvGeom {
  int N, C, H, W, O, OH, OW, k, s, p;
};

// Element (r, q) of im2col(X): r = (c, kh, kw), q = (n, i, j) over the narrow positions;
// X[n, c, i·s+kh−p, j·s+kw−p], 0 outside the image.
__device__ __forceinline__ float bv_im2col(const float* x, const BvConvGeom& g, int r, int q) {
  const int kw = r % g.k, kh = r / g.k % g.k, c = r / (g.k * g.k);
  const int j = q % g.OW, i = q / g.OW % g.OH, n = q / (g.OW * g.OH);
  const int h = i * g.s + kh - g.p, w = j * g.s + kw - g.p;
  return (h >= 0 && h < g.H && w >= 0 && w < g.W) ? x[(((long long)n * g.C + c) * g.H + h) * g.W + w] : 0.f;
}

// One K step of the tile: acc[i][j] = fmaf(as[t][ty + 16i], bs[t][tx + 16j], acc[i][j]).
template <int TM, int TN, class SA, class SB>
__device__ __forceinline__ void bv_conv_step(float (&acc)[TM][TN], SA& as, SB& bs, int t, int tx, int ty) {
  float a[TM], b[TN];
#pragma unroll
  for (int i = 0; i < TM; i++) a[i] = as[t][ty + 16 * i];
#pragma unroll
  for (int j = 0; j < TN; j++) b[j] = bs[t][tx + 16 * j];
#pragma unroll
  for (int i = 0; i < TM; i++)
#pragma unroll
    for (int j = 0; j < TN; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
}

// A (16·TM)×(16·TN) output tile on 16×16 threads, TM×TN outputs each: acc[i][j] takes
// fmaf(A(m, t), Bm(t, n), ·) for t = kb, kb+1, …, ke−1 in turn, from the value it holds on entry,
// for m = m0 + ty + 16i, n = n0 + tx + 16j (tx = tid % 16, ty = tid / 16). la(m, t) and lb(t, n) are
// called inside [0,M)×[kb,ke) and [kb,ke)×[0,N) only; A_KC / B_KC say whether t is the index that
// varies fastest in memory, which decides how the threads spread over a tile load. The last slice's
// loop stops at ke: no padding term is ever added.
template <int TM, int TN, bool A_KC, bool B_KC, class LA, class LB>
__device__ __forceinline__ void bv_conv_tile(float (&acc)[TM][TN], const LA& la, const LB& lb, int M, int N, int kb,
                                             int ke, int m0, int n0) {
  constexpr int BM = 16 * TM, BN = 16 * TN;
  BV_SHARED2(float, as, CV_BK, BM + 1);
  BV_SHARED2(float, bs, CV_BK, BN + 1);
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  for (int k0 = kb; k0 < ke; k0 += CV_BK) {
    for (int l = tid; l < BM * CV_BK; l += CV_THREADS) {
      const int m = A_KC ? l / CV_BK : l % BM, t = A_KC ? l % CV_BK : l / BM;
      const int gm = m0 + m, gt = k0 + t;
      as[t][m] = (gm < M && gt < ke) ? la(gm, gt) : 0.f;
    }
    for (int l = tid; l < BN * CV_BK; l += CV_THREADS) {
      const int n = B_KC ? l / CV_BK : l % BN, t = B_KC ? l % CV_BK : l / BN;
      const int gn = n0 + n, gt = k0 + t;
      bs[t][n] = (gn < N && gt < ke) ? lb(gt, gn) : 0.f;
    }
    __syncthreads();
    const int kn = min(CV_BK, ke - k0);
    if (kn == CV_BK) {
#pragma unroll
      for (int t = 0; t < CV_BK; t++) bv_conv_step(acc, as, bs, t, tx, ty);
    } else {
      for (int t = 0; t < kn; t++) bv_conv_step(acc, as, bs, t, tx, ty);
    }
    __syncthreads();  // the next slice overwrites as/bs
  }
}

// Hands each of the outputs this thread holds after bv_conv_tile (row m0 + ty + 16·i, column
// n0 + tx + 16·j) that lies inside rows × cols to store(row, col, value): the FP32 kernels' epilogue,
// with the same store functors as their TF32 forms.
template <int TM, int TN, class Store>
__device__ __forceinline__ void bv_conv_store(const float (&acc)[TM][TN], int rows, int cols, int m0, int n0,
                                              const Store& store) {
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
#pragma unroll
  for (int i = 0; i < TM; i++) {
#pragma unroll
    for (int j = 0; j < TN; j++) {
      const int r = m0 + ty + 16 * i, c = n0 + tx + 16 * j;
      if (r < rows && c < cols) store(r, c, acc[i][j]);
    }
  }
}

// conv_narrow's operands: A(o, r) = K[o, r], r = (c, kh, kw); Bm(r, q) = im2col(X)(r, q).
struct BvNarrowA {
  const float* kern;
  int K;
  __device__ __forceinline__ float operator()(int o, int r) const { return kern[(long long)o * K + r]; }
};
struct BvIm2col {
  const float* x;
  BvConvGeom g;
  __device__ __forceinline__ float operator()(int r, int q) const { return bv_im2col(x, g, r, q); }
};
// Its epilogue: Y[n, o, position] = act(C + b[o]) for q = (n, position).
struct BvNarrowStore {
  float* y;
  const float* b;
  int O, P, act;
  __device__ __forceinline__ void operator()(int o, int q, float c) const {
    y[((long long)(q / P) * O + o) * P + q % P] = bv_act(c + (b ? b[o] : 0.f), act);
  }
};

template <int TM>
__device__ __forceinline__ void bv_conv_narrow(float* y, const float* x, const float* kern, const float* b,
                                               const BvConvGeom& g, int act) {
  const int P = g.OH * g.OW, Q = g.N * P, K = g.C * g.k * g.k;
  const int m0 = blockIdx.y * 16 * TM, n0 = blockIdx.x * 64;
  float acc[TM][4] = {};
  bv_conv_tile<TM, 4, true, false>(acc, BvNarrowA{kern, K}, BvIm2col{x, g}, g.O, Q, 0, K, m0, n0);
  bv_conv_store(acc, g.O, Q, m0, n0, BvNarrowStore{y, b, g.O, P, act});
}

// X (N,C,H,W), K (O,C,k,k), b (O) or null -> Y (N,O,OH,OW) = act(Σ X·K + b)
// tiles of (16·tm) channels × 64 positions, tm 2 or 4: grid (ceil(N·OH·OW/64), ceil(O/(16·tm))), block 256
extern "C" __global__ void conv_narrow(float* y, const float* x, const float* kern, const float* b, int N, int C, int H,
                                       int W, int O, int OH, int OW, int k, int s, int p, int act, int tm) {
  const BvConvGeom g{N, C, H, W, O, OH, OW, k, s, p};
  if (tm == 2) bv_conv_narrow<2>(y, x, kern, b, g, act);
  else bv_conv_narrow<4>(y, x, kern, b, g, act);
}

// One stride phase of conv_wide: the positions h = h0 + a0·s, w = w0 + q0·s (a0 < ph, q0 < pw) and
// the taps kh = rh + a·s, kw = rw + q·s (a < nh, q < nw) that reach them.
struct BvPhase {
  int rh, rw, nh, nw, h0, w0, ph, pw;
  __device__ __forceinline__ BvPhase(const BvConvGeom& g, int z) {
    rh = z / g.s;
    rw = z % g.s;
    nh = rh < g.k ? (g.k - rh + g.s - 1) / g.s : 0;
    nw = rw < g.k ? (g.k - rw + g.s - 1) / g.s : 0;
    h0 = ((rh - g.p) % g.s + g.s) % g.s;
    w0 = ((rw - g.p) % g.s + g.s) % g.s;
    ph = h0 < g.H ? (g.H - h0 + g.s - 1) / g.s : 0;
    pw = w0 < g.W ? (g.W - w0 + g.s - 1) / g.s : 0;
  }
};

// conv_wide's operands: A(c, r) = K[o, c, rh + a·s, rw + q·s] for r = (o, a, q); Bm(r, col) = the
// tap's element of Y for col = (n, a0, q0): Y[n, o, i0 − a, j0 − q], 0 outside Y, where
// i0 = (h + p − rh)/s and j0 = (w + p − rw)/s (exact: h + p ≡ rh mod s).
struct BvWideA {
  const float* kern;
  BvConvGeom g;
  BvPhase f;
  __device__ __forceinline__ float operator()(int c, int r) const {
    const int q = r % f.nw, a = r / f.nw % f.nh, o = r / (f.nw * f.nh);
    return kern[(((long long)o * g.C + c) * g.k + f.rh + a * g.s) * g.k + f.rw + q * g.s];
  }
};
struct BvWideB {
  const float* y;
  BvConvGeom g;
  BvPhase f;
  __device__ __forceinline__ float operator()(int r, int col) const {
    const int q = r % f.nw, a = r / f.nw % f.nh, o = r / (f.nw * f.nh);
    const int P = f.ph * f.pw, n = col / P, e = col % P;
    const int i = (f.h0 + e / f.pw * g.s + g.p - f.rh) / g.s - a, j = (f.w0 + e % f.pw * g.s + g.p - f.rw) / g.s - q;
    return (i >= 0 && i < g.OH && j >= 0 && j < g.OW) ? y[(((long long)n * g.O + o) * g.OH + i) * g.OW + j] : 0.f;
  }
};
// Its epilogue: X[n, c, h, w] = act(C + b[c]) for col = (n, a0, q0).
struct BvWideStore {
  float* x;
  const float* b;
  BvConvGeom g;
  BvPhase f;
  int act;
  __device__ __forceinline__ void operator()(int c, int col, float v) const {
    const int P = f.ph * f.pw, n = col / P, e = col % P, h = f.h0 + e / f.pw * g.s, w = f.w0 + e % f.pw * g.s;
    x[(((long long)n * g.C + c) * g.H + h) * g.W + w] = bv_act(v + (b ? b[c] : 0.f), act);
  }
};

template <int TM>
__device__ __forceinline__ void bv_conv_wide(float* x, const float* y, const float* kern, const float* b,
                                             const BvConvGeom& g, int act) {
  const BvPhase f(g, blockIdx.z);
  const int P = f.ph * f.pw, Q = g.N * P, K = g.O * f.nh * f.nw;
  const int m0 = blockIdx.y * 16 * TM, n0 = blockIdx.x * 64;
  if (n0 >= Q) return;  // a smaller phase than the grid's largest: the whole block leaves
  float acc[TM][4] = {};
  bv_conv_tile<TM, 4, true, false>(acc, BvWideA{kern, g, f}, BvWideB{y, g, f}, g.C, Q, 0, K, m0, n0);
  bv_conv_store(acc, g.C, Q, m0, n0, BvWideStore{x, b, g, f, act});
}

// Y (N,O,OH,OW), K (O,C,k,k), b (C) or null -> X (N,C,H,W) = act(Σ Y·K + b), the terms where
// (h + p − kh) and (w + p − kw) are multiples of s inside Y
// tiles of (16·tm) channels × 64 positions, tm 2 or 4: grid (ceil(N·⌈H/s⌉·⌈W/s⌉/64), ceil(C/(16·tm)), s·s),
// block 256; blockIdx.z is the phase rh·s + rw
extern "C" __global__ void conv_wide(float* x, const float* y, const float* kern, const float* b, int N, int C, int H,
                                     int W, int O, int OH, int OW, int k, int s, int p, int act, int tm) {
  const BvConvGeom g{N, C, H, W, O, OH, OW, k, s, p};
  if (tm == 2) bv_conv_wide<2>(x, y, kern, b, g, act);
  else bv_conv_wide<4>(x, y, kern, b, g, act);
}

// conv_wide for a wide side of few channels: one output element per thread, its terms (o, kh, kw)
// ascending over the taps that reach it; with tf32 ≠ 0 each operand rounded to TF32 first (FP32 FMAs).
// grid (ceil(H·W/256), C, N), block 256
extern "C" __global__ void conv_wide_direct(float* x, const float* y, const float* kern, const float* b, int C, int H,
                                            int W, int O, int OH, int OW, int k, int s, int p, int act, int tf32) {
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
        const float yv = yp[i * OW + j], kv = kp[kh * k + kw];
        acc = tf32 ? fmaf(nvcuda::wmma::__float_to_tf32(yv), nvcuda::wmma::__float_to_tf32(kv), acc) : fmaf(yv, kv, acc);
      }
    }
  }
  x[((long long)n * C + c) * H * W + e] = bv_act(acc + (b ? b[c] : 0.f), act);
}

// conv_kernel_grad's first operand: A(o, row) = Y[n, o, i, j] for row = (n, i, j).
struct BvRowsA {
  const float* y;
  int O, P;
  __device__ __forceinline__ float operator()(int o, int row) const {
    return y[((long long)(row / P) * O + o) * P + row % P];
  }
};
// Its second: Bm(row, r) = im2col(X)(r, row).
struct BvIm2colT {
  const float* x;
  BvConvGeom g;
  __device__ __forceinline__ float operator()(int row, int r) const { return bv_im2col(x, g, r, row); }
};
// The weight gradient's epilogue: K[o, r] = C, or += C with add ≠ 0.
struct BvKernelStore {
  float* out;
  int K, add;
  __device__ __forceinline__ void operator()(int o, int r, float c) const {
    float* d = out + (long long)o * K + r;
    if (add) *d += c;
    else *d = c;
  }
};

// Rows [kb, ke) of the weight gradient's sum into a (16·TM)×(16·TN) tile of K (O, C·k²): with
// from_kern, from the values kern holds and back into kern; else from 0 into out.
template <int TM, int TN>
__device__ __forceinline__ void bv_conv_kernel_grad(float* kern, float* out, bool from_kern, const float* x,
                                                    const float* y, const BvConvGeom& g, int kb, int ke) {
  const int P = g.OH * g.OW, K = g.C * g.k * g.k;
  const int m0 = blockIdx.y * 16 * TM, n0 = blockIdx.x * 16 * TN, tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; i++) {
    const int o = m0 + ty + 16 * i;
#pragma unroll
    for (int j = 0; j < TN; j++) {
      const int r = n0 + tx + 16 * j;
      acc[i][j] = (from_kern && o < g.O && r < K) ? kern[(long long)o * K + r] : 0.f;
    }
  }
  bv_conv_tile<TM, TN, true, true>(acc, BvRowsA{y, g.O, P}, BvIm2colT{x, g}, g.O, K, kb, ke, m0, n0);
  bv_conv_store(acc, g.O, K, m0, n0, BvKernelStore{from_kern ? kern : out, K, 0});
}

// The four tile shapes: tm 2 or 4 (32 or 64 output channels), tn 1 or 4 (16 or 64 of C·k²).
__device__ __forceinline__ void bv_conv_kernel_grad_any(float* kern, float* out, bool from_kern, const float* x,
                                                        const float* y, const BvConvGeom& g, int kb, int ke, int tm,
                                                        int tn) {
  if (tm == 2 && tn == 1) bv_conv_kernel_grad<2, 1>(kern, out, from_kern, x, y, g, kb, ke);
  else if (tm == 2) bv_conv_kernel_grad<2, 4>(kern, out, from_kern, x, y, g, kb, ke);
  else if (tn == 1) bv_conv_kernel_grad<4, 1>(kern, out, from_kern, x, y, g, kb, ke);
  else bv_conv_kernel_grad<4, 4>(kern, out, from_kern, x, y, g, kb, ke);
}

// X (N,C,H,W), Y (N,O,OH,OW) -> K (O,C,k,k) += Σ_{n,i,j} Y·X, each element from its value so far
// grid (ceil(C·k²/(16·tn)), ceil(O/(16·tm))), block 256
extern "C" __global__ void conv_kernel_grad(float* kern, const float* x, const float* y, int N, int C, int H, int W,
                                            int O, int OH, int OW, int k, int s, int p, int tm, int tn) {
  const BvConvGeom g{N, C, H, W, O, OH, OW, k, s, p};
  bv_conv_kernel_grad_any(kern, nullptr, true, x, y, g, 0, N * OH * OW, tm, tn);
}

// X, Y as conv_kernel_grad -> partial (S, O, C·k²), chunk z = rows [z·chunk, (z+1)·chunk) ∩ [0, N·OH·OW)
// grid (ceil(C·k²/(16·tn)), ceil(O/(16·tm)), S), block 256; dense_backward_dw_sum(kern, partial, O, C·k², S, 1)
// then adds the chunks to K in order
extern "C" __global__ void conv_kernel_grad_partial(float* partial, const float* x, const float* y, int N, int C, int H,
                                                    int W, int O, int OH, int OW, int k, int s, int p, int chunk, int tm,
                                                    int tn) {
  const BvConvGeom g{N, C, H, W, O, OH, OW, k, s, p};
  const int kb = blockIdx.z * chunk, ke = min(kb + chunk, N * OH * OW);
  float* out = partial + (long long)blockIdx.z * O * C * k * k;
  bv_conv_kernel_grad_any(nullptr, out, false, x, y, g, kb, ke, tm, tn);
}

// ---- TF32 (--precision tf32, DESIGN §12): the same three products on tensor cores, through
// dense_tf32.cu's tile (64×64 per block of 4 warps, operands rounded to TF32 as they are staged, FP32
// accumulation) with the gathering loaders and the stores above; conv_wide_direct rounds its operands itself.

// as conv_narrow, in TF32; grid (ceil(N·OH·OW/64), ceil(O/64)), block 128
extern "C" __global__ void conv_narrow_tf32(float* y, const float* x, const float* kern, const float* b, int N, int C,
                                            int H, int W, int O, int OH, int OW, int k, int s, int p, int act) {
  const BvConvGeom g{N, C, H, W, O, OH, OW, k, s, p};
  const int P = OH * OW, K = C * k * k;
  bv_tf32_tile<true, false>(BvNarrowA{kern, K}, BvIm2col{x, g}, O, N * P, 0, K, blockIdx.y * TF_BM, blockIdx.x * TF_BN,
                            BvNarrowStore{y, b, O, P, act});
}

// as conv_wide, in TF32; grid (ceil(N·⌈H/s⌉·⌈W/s⌉/64), ceil(C/64), s·s), block 128
extern "C" __global__ void conv_wide_tf32(float* x, const float* y, const float* kern, const float* b, int N, int C,
                                          int H, int W, int O, int OH, int OW, int k, int s, int p, int act) {
  const BvConvGeom g{N, C, H, W, O, OH, OW, k, s, p};
  const BvPhase f(g, blockIdx.z);
  const int Q = N * f.ph * f.pw;
  if ((int)blockIdx.x * TF_BN >= Q) return;  // a smaller phase than the grid's largest: the whole block leaves
  bv_tf32_tile<true, false>(BvWideA{kern, g, f}, BvWideB{y, g, f}, C, Q, 0, O * f.nh * f.nw, blockIdx.y * TF_BM,
                            blockIdx.x * TF_BN, BvWideStore{x, b, g, f, act});
}

// as conv_kernel_grad, in TF32, rows [z·chunk, (z+1)·chunk) ∩ [0, N·OH·OW) for z = blockIdx.z:
// accumulate ≠ 0 (one chunk): out is K, K += C; else out is partial (S, O, C·k²), partial[z] = C, for
// dense_backward_dw_sum to add in order. grid (ceil(C·k²/64), ceil(O/64), S), block 128
extern "C" __global__ void conv_kernel_grad_tf32(float* out, const float* x, const float* y, int N, int C, int H, int W,
                                                 int O, int OH, int OW, int k, int s, int p, int chunk, int accumulate) {
  const BvConvGeom g{N, C, H, W, O, OH, OW, k, s, p};
  const int K = C * k * k, kb = blockIdx.z * chunk, ke = min(kb + chunk, N * OH * OW);
  float* dst = accumulate ? out : out + (long long)blockIdx.z * O * K;
  bv_tf32_tile<true, true>(BvRowsA{y, O, OH * OW}, BvIm2colT{x, g}, O, K, kb, ke, blockIdx.y * TF_BM, blockIdx.x * TF_BN,
                           BvKernelStore{dst, K, accumulate});
}

// Samples [n0, n1) of channel blockIdx.x: dy (N,Ch,P) overwritten with dA = dy ⊙ act'(y), and the
// block's sum of dA, its threads walking the (n, position) terms at a stride and a fixed tree adding
// their partials (deterministic); returned to every thread.
template <class SharedBuf>
__device__ __forceinline__ float bv_conv_bias_sum(float* dy, const float* y, int Ch, int P, int act, int n0, int n1,
                                                  SharedBuf& buf) {
  const int c = blockIdx.x;
  float acc = 0.f;
  for (int n = n0; n < n1; n++) {
    const long long base = ((long long)n * Ch + c) * P;
    for (int e = threadIdx.x; e < P; e += blockDim.x) {
      const float g = dy[base + e] * bv_act_grad(y[base + e], act);
      dy[base + e] = g;
      acc += g;
    }
  }
  return bv_block_sum(acc, buf);
}

// dy (N,Ch,P) is overwritten with dA = dy ⊙ act'(y); db (Ch) += Σ_{n,e} dA
// grid Ch, block 256: one block per channel
extern "C" __global__ void conv_bias_grad(float* dy, float* db, const float* y, int N, int Ch, int P, int act) {
  BV_SHARED(float, buf, 32);
  const float total = bv_conv_bias_sum(dy, y, Ch, P, act, 0, N, buf);
  if (threadIdx.x == 0) db[blockIdx.x] += total;
}

// conv_bias_grad for many positions per channel (a first layer's 32 channels, a last layer's one):
// the samples in S chunks of nc, one block per (channel, chunk), each block's sum in the same fixed
// tree, written to partial (S, Ch) = partial[s·Ch + c]; dense_backward_dw_sum(db, partial, 1, Ch, S, 1)
// then adds the chunks to db in order. dy is overwritten with dA as above.
// grid (Ch, S), block 256
extern "C" __global__ void conv_bias_grad_partial(float* dy, float* partial, const float* y, int N, int Ch, int P,
                                                  int act, int nc) {
  BV_SHARED(float, buf, 32);
  const int n0 = blockIdx.y * nc, n1 = min(N, n0 + nc);
  const float total = bv_conv_bias_sum(dy, y, Ch, P, act, n0, n1, buf);
  if (threadIdx.x == 0) partial[(long long)blockIdx.y * Ch + blockIdx.x] = total;
}
