// Dense (fully connected) layers: y = act(x·Wᵀ + b) and its backward.
//
// Letters: B batch, IN input width, OUT output width. All matrices are row-major and W is (OUT, IN)
// like PyTorch's nn.Linear; act is an activation code from common.cuh.
// Accumulation contract: parameter gradients are accumulated with += (dW, db) where the kernel's
// accum argument is 1 and written with = where it is 0 (the first write of a step's gradient,
// which then needs no zeroing beforehand: the same bits, since a sum that starts from +0 is never
// −0); activations and activation gradients are written with = (y, dA in place of dy, dx).
//
// All three products run through one tiled SGEMM, bv_gemm_tile: a 64×64 output tile per block of
// 256 threads, K staged through shared memory 16 at a time, 4×4 outputs per thread at a stride of
// 16 so that neighbouring threads touch neighbouring columns (coalesced stores, conflict-free shared
// reads). Rows and columns past the matrix edge load as 0 and are never stored, so every size works,
// not only tile multiples. Each output sums its K terms in ascending order inside one thread:
// deterministic, no atomics, and the same order as the CPU reference.
//
// Split-K: with a small batch, x·Wᵀ and dA·W have too few 64×64 output tiles to fill the GPU while
// K (IN or OUT) is long. The launcher then splits K into S chunks: each chunk's partial products go
// to scratch (S, M, N) (dense_forward_partial, dense_backward_dx_partial), and a second pass sums the S
// partials in chunk order (dense_forward_sum, dense_backward_dx_sum) — still deterministic,
// since the order of the sum is fixed, and still without atomics. The weight gradient of a thin layer
// at a large batch splits its B-long sum the same way (dense_backward_dw_partial, 7).
#pragma once
#include "common.cuh"

#define DN_BM 64
#define DN_BN 64
#define DN_BK 16
#define DN_THREADS 256

// acc[i][j] += Σ_k A(m,k)·Bm(k,n) for m = m0 + ty + 16i, n = n0 + tx + 16j (tx = tid % 16,
// ty = tid / 16), where A(m,k) = A[m·sam + k·sak] and Bm(k,n) = Bm[k·sbk + n·sbn]; A is (M,K),
// Bm is (K,N). A_KC / B_KC say whether k is the contiguous index of A / Bm: that decides how the 256
// threads spread over a tile load so that consecutive threads read consecutive addresses.
template <bool A_KC, bool B_KC>
__device__ __forceinline__ void bv_gemm_tile(float acc[4][4], const float* __restrict__ A, long long sam,
                                             long long sak, const float* __restrict__ Bm, long long sbk,
                                             long long sbn, int M, int N, int K, int m0, int n0) {
  // +1 column of padding keeps the transposing stores mostly free of bank conflicts.
  BV_SHARED2(float, as, DN_BK, DN_BM + 1);
  BV_SHARED2(float, bs, DN_BK, DN_BN + 1);
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  for (int k0 = 0; k0 < K; k0 += DN_BK) {
    for (int l = tid; l < DN_BM * DN_BK; l += DN_THREADS) {
      const int m = A_KC ? l / DN_BK : l % DN_BM;
      const int k = A_KC ? l % DN_BK : l / DN_BM;
      const int gm = m0 + m, gk = k0 + k;
      as[k][m] = (gm < M && gk < K) ? A[gm * sam + gk * sak] : 0.f;
    }
    for (int l = tid; l < DN_BN * DN_BK; l += DN_THREADS) {
      const int n = B_KC ? l / DN_BK : l % DN_BN;
      const int k = B_KC ? l % DN_BK : l / DN_BN;
      const int gn = n0 + n, gk = k0 + k;
      bs[k][n] = (gn < N && gk < K) ? Bm[gk * sbk + gn * sbn] : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < DN_BK; k++) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = as[k][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) b[j] = bs[k][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();  // the next slice overwrites as/bs
  }
}

// x (B,IN), w (OUT,IN), b (OUT) -> y (B,OUT) = act(x·wᵀ + b)
// grid (ceil(OUT/64), ceil(B/64)), block 256
extern "C" __global__ void dense_forward(float* y, const float* x, const float* w, const float* b,
                                                 int B, int IN, int OUT, int act) {
  const int m0 = blockIdx.y * DN_BM, n0 = blockIdx.x * DN_BN;
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  float acc[4][4] = {};
  bv_gemm_tile<true, true>(acc, x, IN, 1, w, 1, IN, B, OUT, IN, m0, n0);
  for (int i = 0; i < 4; i++) {
    const int m = m0 + ty + 16 * i;
    if (m >= B) break;
    for (int j = 0; j < 4; j++) {
      const int n = n0 + tx + 16 * j;
      if (n < OUT) y[(long long)m * OUT + n] = bv_act(acc[i][j] + b[n], act);
    }
  }
}

// dy (B,OUT) is overwritten with dA = dy ⊙ act'(y), y (B,OUT); db (OUT) += Σ_B dA (= where accum is 0).
// A block covers 32 columns with 8 row lanes: thread (c, r) walks rows r, r + 8, … in order (a warp
// reads 32 consecutive columns of a row: one 128-byte line), then row lane 0 adds the 8 partial sums
// in lane order. The order is fixed, so the sum is deterministic; it is not the CPU's row order, so
// db agrees with the CPU to rounding (the parity tolerance), not bit for bit.
// grid ceil(OUT/32), block 256
extern "C" __global__ void dense_bias_grad(float* dy, float* db, const float* y, int B, int OUT, int act, int accum) {
  BV_SHARED2(float, part, 8, 32);
  const int c = threadIdx.x & 31, r = threadIdx.x >> 5;
  const int o = blockIdx.x * 32 + c;
  float s = 0.f;
  if (o < OUT) {
    for (int i = r; i < B; i += 8) {
      const long long e = (long long)i * OUT + o;
      const float g = dy[e] * bv_act_grad(y[e], act);
      dy[e] = g;
      s += g;
    }
  }
  part[r][c] = s;
  __syncthreads();
  if (r == 0 && o < OUT) {
    float t = 0.f;
    for (int k = 0; k < 8; k++) t += part[k][c];
    db[o] = accum ? db[o] + t : t;
  }
}

// dA (B,OUT), x (B,IN) -> dw (OUT,IN) += dAᵀ·x (= where accum is 0)
// grid (ceil(IN/64), ceil(OUT/64)), block 256
extern "C" __global__ void dense_backward_dw(float* dw, const float* dA, const float* x, int B, int IN, int OUT,
                                             int accum) {
  const int m0 = blockIdx.y * DN_BM, n0 = blockIdx.x * DN_BN;
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  float acc[4][4] = {};
  // A(o,i) = dA[i·OUT + o], Bm(i,k) = x[i·IN + k]
  bv_gemm_tile<false, false>(acc, dA, 1, OUT, x, IN, 1, OUT, IN, B, m0, n0);
  for (int i = 0; i < 4; i++) {
    const int m = m0 + ty + 16 * i;
    if (m >= OUT) break;
    for (int j = 0; j < 4; j++) {
      const int n = n0 + tx + 16 * j;
      if (n < IN) {
        float* d = dw + (long long)m * IN + n;
        *d = accum ? *d + acc[i][j] : acc[i][j];
      }
    }
  }
}

// dA (B,OUT), w (OUT,IN) -> dx (B,IN) = dA·w
// grid (ceil(IN/64), ceil(B/64)), block 256
extern "C" __global__ void dense_backward_dx(float* dx, const float* dA, const float* w, int B, int IN, int OUT) {
  const int m0 = blockIdx.y * DN_BM, n0 = blockIdx.x * DN_BN;
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  float acc[4][4] = {};
  // A(i,o) = dA[i·OUT + o], Bm(o,k) = w[o·IN + k]
  bv_gemm_tile<true, false>(acc, dA, OUT, 1, w, IN, 1, B, IN, OUT, m0, n0);
  for (int i = 0; i < 4; i++) {
    const int m = m0 + ty + 16 * i;
    if (m >= B) break;
    for (int j = 0; j < 4; j++) {
      const int n = n0 + tx + 16 * j;
      if (n < IN) dx[(long long)m * IN + n] = acc[i][j];
    }
  }
}

// Split-K partials: partial[z] (M,N) = Σ_{k in chunk z} A(m,k)·Bm(k,n), chunk z = [z·kChunk, (z+1)·kChunk) ∩ [0,K).
template <bool A_KC, bool B_KC>
__device__ __forceinline__ void bv_gemm_partial(float* partial, const float* A, long long sam, long long sak,
                                                const float* Bm, long long sbk, long long sbn, int M, int N, int K,
                                                int kChunk) {
  const int m0 = blockIdx.y * DN_BM, n0 = blockIdx.x * DN_BN;
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int kb = blockIdx.z * kChunk;
  const int kn = min(kChunk, K - kb);
  float acc[4][4] = {};
  bv_gemm_tile<A_KC, B_KC>(acc, A + kb * sak, sam, sak, Bm + kb * sbk, sbk, sbn, M, N, kn, m0, n0);
  float* out = partial + (long long)blockIdx.z * M * N;
  for (int i = 0; i < 4; i++) {
    const int m = m0 + ty + 16 * i;
    if (m >= M) break;
    for (int j = 0; j < 4; j++) {
      const int n = n0 + tx + 16 * j;
      if (n < N) out[(long long)m * N + n] = acc[i][j];
    }
  }
}

// y (M,N) = act(Σ_{z<S} partial[z] + b), z in ascending order; b may be null (no bias).
__device__ __forceinline__ void bv_sum_partials(float* y, const float* partial, const float* b, int M, int N, int S,
                                                int act) {
  // grid (ceil(N/256), M): the row and column come from the launch shape, with no 64-bit modulo.
  const int n = blockIdx.x * blockDim.x + threadIdx.x, m = blockIdx.y;
  if (n >= N) return;
  const long long e = (long long)m * N + n, mn = (long long)M * N;
  float s = 0.f;
  for (int z = 0; z < S; z++) s += partial[z * mn + e];
  if (b) s += b[n];
  y[e] = bv_act(s, act);
}

// x (B,IN), w (OUT,IN) -> partial (S,B,OUT), chunk z of the IN sum
// grid (ceil(OUT/64), ceil(B/64), S), block 256
extern "C" __global__ void dense_forward_partial(float* partial, const float* x, const float* w, int B, int IN, int OUT,
                                                 int kChunk) {
  bv_gemm_partial<true, true>(partial, x, IN, 1, w, 1, IN, B, OUT, IN, kChunk);
}

// partial (S,B,OUT), b (OUT) -> y (B,OUT) = act(Σ_S partial + b)
// grid (ceil(OUT/256), B), block 256
extern "C" __global__ void dense_forward_sum(float* y, const float* partial, const float* b, int B, int OUT, int S,
                                                 int act) {
  bv_sum_partials(y, partial, b, B, OUT, S, act);
}

// dA (B,OUT), w (OUT,IN) -> partial (S,B,IN), chunk z of the OUT sum
// grid (ceil(IN/64), ceil(B/64), S), block 256
extern "C" __global__ void dense_backward_dx_partial(float* partial, const float* dA, const float* w, int B, int IN,
                                                  int OUT, int kChunk) {
  bv_gemm_partial<true, false>(partial, dA, OUT, 1, w, IN, 1, B, IN, OUT, kChunk);
}

// partial (S,B,IN) -> dx (B,IN) = Σ_S partial
// grid (ceil(IN/256), B), block 256
extern "C" __global__ void dense_backward_dx_sum(float* dx, const float* partial, int B, int IN, int S) {
  bv_sum_partials(dx, partial, nullptr, B, IN, S, BV_ACT_IDENTITY);
}

// Split-K over the batch for the weight gradient of thin layers (the 1200→20 head, the 10→1200 first
// decoder layer: few 64×64 tiles of dW, a long B-term sum at large batches).
// dA (B,OUT), x (B,IN) -> partial (S,OUT,IN), chunk z of the B sum
// grid (ceil(IN/64), ceil(OUT/64), S), block 256
extern "C" __global__ void dense_backward_dw_partial(float* partial, const float* dA, const float* x, int B, int IN,
                                                  int OUT, int kChunk) {
  // A(o,i) = dA[i·OUT + o], Bm(i,k) = x[i·IN + k], as in dense_backward_dw
  bv_gemm_partial<false, false>(partial, dA, 1, OUT, x, IN, 1, OUT, IN, B, kChunk);
}

// partial (S,OUT,IN) -> dw (OUT,IN) += Σ_S partial, z in ascending order (= where accum is 0)
// grid (ceil(IN/256), OUT), block 256
extern "C" __global__ void dense_backward_dw_sum(float* dw, const float* partial, int OUT, int IN, int S, int accum) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x, m = blockIdx.y;
  if (n >= IN) return;
  const long long e = (long long)m * IN + n, mn = (long long)OUT * IN;
  float s = 0.f;
  for (int z = 0; z < S; z++) s += partial[z * mn + e];
  dw[e] = accum ? dw[e] + s : s;
}

// External GEMM epilogue: when cuBLAS has written y = x·Wᵀ, this adds the bias and applies the
// activation in place, so the rest of the layer (dA, db in dense_bias_grad) is unchanged.
// y (B,OUT), b (OUT) -> y (B,OUT) = act(y + b)
// grid (ceil(OUT/256), B), block 256
extern "C" __global__ void dense_bias_act(float* y, const float* b, int B, int OUT, int act) {
  const int o = blockIdx.x * blockDim.x + threadIdx.x, i = blockIdx.y;
  if (o >= OUT) return;
  const long long e = (long long)i * OUT + o;
  y[e] = bv_act(y[e] + b[o], act);
}

// ---------------------------------------------------------------------------------------------
// The wide kernels (dense_forward_128, dense_backward_dw_128, dense_backward_dx_128): one 128×128
// output tile per block of 256 threads, for products whose grid of such tiles alone fills the GPU
// (the launcher's table, DenseKernels.wide). What they add to bv_gemm_tile:
//  - warp tiling: 8 warps as 2 × 4, each owning a 64 × 32 piece; a warp's 32 lanes as 8 × 4, each
//    owning 8 × 8 outputs (rows r0 + {0..3} and r0 + 32 + {0..3}, columns c0 + {0..3} and
//    c0 + 16 + {0..3}), so a lane reads its 8 A values and 8 B values as four 128-bit shared loads
//    per k step (64 FMAs per 4 loads, against 16 per 8 in bv_gemm_tile), conflict-free: a warp's
//    A reads cover 32 consecutive floats, its B reads 16 (broadcast);
//  - A stored transposed (k-major) in shared memory, rows padded by 4 floats so that the
//    transposing stores of k-contiguous operands hit 32 distinct banks;
//  - 128-bit global loads (vec bit 1: A, bit 2: B, bit 4: the output and bias) where the launcher
//    found the base 16-byte aligned and the row stride a multiple of 4, with a scalar path for the
//    edges and for everything else;
//  - double-buffered shared memory: the next K slice is loaded while the current one is multiplied,
//    then lands in the other buffer, one barrier per slice. An operand stored as it lies in memory
//    (its row index contiguous: both operands of dw, w in dx) and aligned goes by cp.async, straight
//    from global to shared memory; the others (the transposing stores) go through registers.
// Each output still sums its K terms in ascending order inside one thread: deterministic, and the
// same order as the 64×64 kernel and the CPU reference.
#define DW_BM 128
#define DW_BN 128
#define DW_BK 8
#define DW_PAD 4

// The operand slices: the K slice [k0, k0+8) of ROWS (128 or 64) rows of an operand, 4 values a
// thread; with 64 rows only threads 0–127 take part. KC: k is the contiguous index (thread t takes
// row t/2, k (t%2)·4 .. +3); otherwise the row index is (thread t takes k t/32, rows (t%32)·4 .. +3;
// with 64 rows k t/16, rows (t%16)·4 .. +3). P(r, k) = P[r·sr + k·sk]; R rows, K terms.
template <int ROWS>
__device__ __forceinline__ bool bv_slice_thread(int t) {
  return ROWS == 128 || t < 128;
}
template <int ROWS, bool KC>
__device__ __forceinline__ int bv_slice_row(int t) {
  return KC ? t >> 1 : (ROWS == 128 ? t & 31 : t & 15) * 4;
}
template <int ROWS, bool KC>
__device__ __forceinline__ int bv_slice_k(int t) {
  return KC ? (t & 1) * 4 : (ROWS == 128 ? t >> 5 : t >> 4);
}

template <bool KC, int ROWS = 128>
__device__ __forceinline__ void bv_load_slice(float v[4], const float* __restrict__ P, long long sr, long long sk,
                                              int R, int K, int r0, int k0, bool vec) {
  const int t = threadIdx.x;
  if (!bv_slice_thread<ROWS>(t)) return;
  const int r = r0 + bv_slice_row<ROWS, KC>(t), k = k0 + bv_slice_k<ROWS, KC>(t);
  if (KC) {
    if (vec && r < R && k + 3 < K) {
      const float4 q = BV_LD4(P + r * sr + k);
      v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
    } else {
#pragma unroll
      for (int i = 0; i < 4; i++) v[i] = (r < R && k + i < K) ? P[r * sr + (k + i) * sk] : 0.f;
    }
  } else {
    if (vec && r + 3 < R && k < K) {
      const float4 q = BV_LD4(P + k * sk + r);
      v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
    } else {
#pragma unroll
      for (int i = 0; i < 4; i++) v[i] = (r + i < R && k < K) ? P[(r + i) * sr + k * sk] : 0.f;
    }
  }
}

// Stores a thread's 4 values of a slice (bv_load_slice's layout) k-major into rows [s·8, s·8+8).
template <bool KC, int ROWS = 128, class Shared>
__device__ __forceinline__ void bv_store_slice(Shared& sm, int s, const float v[4]) {
  const int t = threadIdx.x;
  if (!bv_slice_thread<ROWS>(t)) return;
  const int r = bv_slice_row<ROWS, KC>(t), k = bv_slice_k<ROWS, KC>(t);
  if (KC) {
#pragma unroll
    for (int i = 0; i < 4; i++) sm[s * DW_BK + k + i][r] = v[i];
  } else {
    BV_STS4(sm, s * DW_BK + k, r, make_float4(v[0], v[1], v[2], v[3]));
  }
}

// The K slice [k0, k0+8) of an operand whose row index is the contiguous one (!KC), copied by
// cp.async straight into buffer s, k-major as bv_store_slice puts it (the same threads and
// layout), zero-filled past R and K. P's rows must be 16-byte aligned (vec).
template <int ROWS = 128, class Shared>
__device__ __forceinline__ void bv_copy_slice(Shared& sm, int s, const float* __restrict__ P, long long sk, int R,
                                              int K, int r0, int k0) {
  const int t = threadIdx.x;
  if (!bv_slice_thread<ROWS>(t)) return;
  const int rr = bv_slice_row<ROWS, false>(t), kk = bv_slice_k<ROWS, false>(t);
  const int r = r0 + rr, k = k0 + kk;
  const int n = k < K ? max(0, min(4, R - r)) : 0;
  BV_CP_ASYNC4(sm, s * DW_BK + kk, rr, n > 0 ? P + k * sk + r : P, n);
}

// The lanes' outputs. TN 128: 8 warps as 2 × 4, each owning a 64 × 32 piece; a warp's 32 lanes as
// 8 × 4, each owning 8 × 8 outputs (rows r0 + {0..3} and r0 + 32 + {0..3}, columns c0 + {0..3} and
// c0 + 16 + {0..3}). TN 64 (128 × 64 tiles): 8 warps as 4 × 2, each a 32 × 32 piece, lanes 4 × 8
// outputs (rows r0 + {0..3}, the same columns). acc[i][j] is row bv_wide_row(i), column
// bv_wide_col(j) of the tile, i < 8 (TN 128) or 4 (TN 64), j < 8.
template <int TN = 128>
__device__ __forceinline__ int bv_wide_row(int i) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  return TN == 128 ? (warp >> 2) * 64 + (lane >> 2) * 4 + (i & 3) + (i >> 2) * 32
                   : (warp >> 1) * 32 + (lane >> 2) * 4 + (i & 3);
}
template <int TN = 128>
__device__ __forceinline__ int bv_wide_col(int j) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  return (TN == 128 ? (warp & 3) : (warp & 1)) * 32 + (lane & 3) * 4 + (j & 3) + (j >> 2) * 16;
}

// acc[i][j] += Σ_k A(m,k)·Bm(k,n) for the lane's rows m = m0 + bv_wide_row<TN>(i) and columns
// n = n0 + bv_wide_col<TN>(j); A(m,k) = A[m·sam + k·sak] (M,K), Bm(k,n) = Bm[k·sbk + n·sbn] (K,N).
// A 128 × TN tile. ASYNC: an operand that bv_copy_slice can take (row index contiguous, rows aligned)
// is copied by cp.async instead of through registers; false keeps the register path for every
// operand (the variant that bench/cuda times against it).
template <bool A_KC, bool B_KC, bool ASYNC = true, int TN = 128>
__device__ __forceinline__ void bv_gemm_tile128(float acc[8][8], const float* __restrict__ A, long long sam,
                                                long long sak, const float* __restrict__ Bm, long long sbk,
                                                long long sbn, int M, int N, int K, int m0, int n0, int vec) {
  constexpr int MI = TN == 128 ? 8 : 4;
  BV_SHARED2A(float, as, 2 * DW_BK, DW_BM + DW_PAD);
  BV_SHARED2A(float, bs, 2 * DW_BK, TN + DW_PAD);
  const int ra0 = bv_wide_row<TN>(0), cb0 = bv_wide_col<TN>(0);
  const bool ca = ASYNC && !A_KC && (vec & 1), cb = ASYNC && !B_KC && (vec & 2);
  float va[4], vb[4];
  // B is loaded as its transpose Bᵀ(n,k) = Bm[n·sbn + k·sbk]: rows n, K terms.
  if (ca) {
    bv_copy_slice(as, 0, A, sak, M, K, m0, 0);
  } else {
    bv_load_slice<A_KC>(va, A, sam, sak, M, K, m0, 0, vec & 1);
    bv_store_slice<A_KC>(as, 0, va);
  }
  if (cb) {
    bv_copy_slice<TN>(bs, 0, Bm, sbk, N, K, n0, 0);
  } else {
    bv_load_slice<B_KC, TN>(vb, Bm, sbn, sbk, N, K, n0, 0, vec & 2);
    bv_store_slice<B_KC, TN>(bs, 0, vb);
  }
  BV_CP_ASYNC_COMMIT();
  BV_CP_ASYNC_WAIT(0);
  __syncthreads();
  int s = 0;
  for (int k0 = 0; k0 < K; k0 += DW_BK) {
    const bool more = k0 + DW_BK < K;
    if (more) {
      // in flight while this slice is multiplied; the other buffer was last read before the
      // previous barrier
      if (ca) bv_copy_slice(as, s ^ 1, A, sak, M, K, m0, k0 + DW_BK);
      else bv_load_slice<A_KC>(va, A, sam, sak, M, K, m0, k0 + DW_BK, vec & 1);
      if (cb) bv_copy_slice<TN>(bs, s ^ 1, Bm, sbk, N, K, n0, k0 + DW_BK);
      else bv_load_slice<B_KC, TN>(vb, Bm, sbn, sbk, N, K, n0, k0 + DW_BK, vec & 2);
      BV_CP_ASYNC_COMMIT();
    }
#pragma unroll
    for (int k = 0; k < DW_BK; k++) {
      const int row = s * DW_BK + k;
      const float4 a0 = BV_LDS4(as, row, ra0);
      const float4 a1 = MI == 8 ? BV_LDS4(as, row, ra0 + 32) : a0;
      const float4 b0 = BV_LDS4(bs, row, cb0), b1 = BV_LDS4(bs, row, cb0 + 16);
      const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < MI; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] += a[i] * b[j];
    }
    if (more) {
      if (!ca) bv_store_slice<A_KC>(as, s ^ 1, va);
      if (!cb) bv_store_slice<B_KC, TN>(bs, s ^ 1, vb);
    }
    BV_CP_ASYNC_WAIT(0);
    __syncthreads();
    s ^= 1;
  }
}

// The epilogue of a 128 × TN tile at (m0, n0) of an (M,N) output: op.four(m, n, v0..v3) for four
// consecutive columns inside N where vec bit 4 says the output's rows allow 128-bit accesses,
// op.one(m, n, v) element by element at the edges and everywhere else.
template <int TN, class Op>
__device__ __forceinline__ void bv_epilogue128(const float acc[8][8], int M, int N, int m0, int n0, int vec,
                                               const Op& op) {
  constexpr int MI = TN == 128 ? 8 : 4;
#pragma unroll
  for (int i = 0; i < MI; i++) {
    const int m = m0 + bv_wide_row<TN>(i);
    if (m >= M) continue;
#pragma unroll
    for (int h = 0; h < 2; h++) {
      const int n = n0 + bv_wide_col<TN>(4 * h);
      if ((vec & 4) && n + 3 < N) {
        op.four(m, n, acc[i][4 * h], acc[i][4 * h + 1], acc[i][4 * h + 2], acc[i][4 * h + 3]);
      } else {
#pragma unroll
        for (int q = 0; q < 4; q++)
          if (n + q < N) op.one(m, n + q, acc[i][4 * h + q]);
      }
    }
  }
}

// out = C (the input gradient, split-K partials, a written weight gradient)
struct BvStoreOp {
  float* out;
  int N;
  __device__ __forceinline__ void four(int m, int n, float a, float b, float c, float d) const {
    BV_ST4(out + (long long)m * N + n, make_float4(a, b, c, d));
  }
  __device__ __forceinline__ void one(int m, int n, float v) const { out[(long long)m * N + n] = v; }
};

// out += C (an accumulated weight gradient)
struct BvAddOp {
  float* out;
  int N;
  __device__ __forceinline__ void four(int m, int n, float a, float b, float c, float d) const {
    float* p = out + (long long)m * N + n;
    const float4 o = BV_LD4(p);
    BV_ST4(p, make_float4(o.x + a, o.y + b, o.z + c, o.w + d));
  }
  __device__ __forceinline__ void one(int m, int n, float v) const { out[(long long)m * N + n] += v; }
};

// y = act(C + bias[n]) (the forward)
struct BvBiasActOp {
  float* y;
  const float* bias;
  int N, act;
  __device__ __forceinline__ void four(int m, int n, float a, float b, float c, float d) const {
    const float4 bb = BV_LD4(bias + n);
    BV_ST4(y + (long long)m * N + n, make_float4(bv_act(a + bb.x, act), bv_act(b + bb.y, act),
                                                 bv_act(c + bb.z, act), bv_act(d + bb.w, act)));
  }
  __device__ __forceinline__ void one(int m, int n, float v) const {
    y[(long long)m * N + n] = bv_act(v + bias[n], act);
  }
};

// x (B,IN), w (OUT,IN), b (OUT) -> y (B,OUT) = act(x·wᵀ + b), as dense_forward, on 128 × TN tiles
template <int TN>
__device__ __forceinline__ void bv_forward_wide(float* y, const float* x, const float* w, const float* b, int B, int IN,
                                                int OUT, int act, int vec) {
  const int m0 = blockIdx.y * DW_BM, n0 = blockIdx.x * TN;
  float acc[8][8] = {};
  bv_gemm_tile128<true, true, true, TN>(acc, x, IN, 1, w, 1, IN, B, OUT, IN, m0, n0, vec);
  bv_epilogue128<TN>(acc, B, OUT, m0, n0, vec, BvBiasActOp{y, b, OUT, act});
}

// x (B,IN), w (OUT,IN), b (OUT) -> y (B,OUT) = act(x·wᵀ + b) on 128×128 tiles
// grid (ceil(OUT/128), ceil(B/128)), block 256
extern "C" __global__ void __launch_bounds__(256) dense_forward_128(float* y, const float* x, const float* w,
                                                                   const float* b, int B, int IN, int OUT, int act,
                                                                   int vec) {
  bv_forward_wide<128>(y, x, w, b, B, IN, OUT, act, vec);
}

// out (M,N) = acc for the lane's outputs of the 128×128 tile at (m0, n0)
__device__ __forceinline__ void bv_store_tile128(float* out, int M, int N, const float acc[8][8], int m0, int n0,
                                                 int vec) {
  bv_epilogue128<128>(acc, M, N, m0, n0, vec, BvStoreOp{out, N});
}

// dA (B,OUT), x (B,IN) -> dw (OUT,IN) += dAᵀ·x (= where accum is 0), as dense_backward_dw, on 128 × TN
// tiles (ASYNC as in bv_gemm_tile128: both operands go by cp.async where aligned)
template <bool ASYNC, int TN = 128>
__device__ __forceinline__ void bv_backward_dw_128(float* dw, const float* dA, const float* x, int B, int IN, int OUT,
                                                   int vec, int accum) {
  const int m0 = blockIdx.y * DW_BM, n0 = blockIdx.x * TN;
  float acc[8][8] = {};
  // A(o,i) = dA[i·OUT + o] (o contiguous), Bm(i,k) = x[i·IN + k] (k contiguous)
  bv_gemm_tile128<false, false, ASYNC, TN>(acc, dA, 1, OUT, x, IN, 1, OUT, IN, B, m0, n0, vec);
  if (accum) bv_epilogue128<TN>(acc, OUT, IN, m0, n0, vec, BvAddOp{dw, IN});
  else bv_epilogue128<TN>(acc, OUT, IN, m0, n0, vec, BvStoreOp{dw, IN});
}

// dA (B,OUT), x (B,IN) -> dw (OUT,IN) += dAᵀ·x (= where accum is 0) on 128×128 tiles
// grid (ceil(IN/128), ceil(OUT/128)), block 256
extern "C" __global__ void __launch_bounds__(256) dense_backward_dw_128(float* dw, const float* dA, const float* x,
                                                                       int B, int IN, int OUT, int vec, int accum) {
  bv_backward_dw_128<true>(dw, dA, x, B, IN, OUT, vec, accum);
}

// dA (B,OUT), w (OUT,IN) -> dx (B,IN) = dA·w, as dense_backward_dx, on 128 × TN tiles
// (ASYNC as in bv_gemm_tile128: w goes by cp.async where aligned)
template <bool ASYNC, int TN = 128>
__device__ __forceinline__ void bv_backward_dx_128(float* dx, const float* dA, const float* w, int B, int IN, int OUT,
                                                   int vec) {
  const int m0 = blockIdx.y * DW_BM, n0 = blockIdx.x * TN;
  float acc[8][8] = {};
  // A(i,o) = dA[i·OUT + o] (o contiguous), Bm(o,k) = w[o·IN + k] (k contiguous)
  bv_gemm_tile128<true, false, ASYNC, TN>(acc, dA, OUT, 1, w, IN, 1, B, IN, OUT, m0, n0, vec);
  bv_epilogue128<TN>(acc, B, IN, m0, n0, vec, BvStoreOp{dx, IN});
}

// dA (B,OUT), w (OUT,IN) -> dx (B,IN) = dA·w on 128×128 tiles
// grid (ceil(IN/128), ceil(B/128)), block 256
extern "C" __global__ void __launch_bounds__(256) dense_backward_dx_128(float* dx, const float* dA, const float* w,
                                                                       int B, int IN, int OUT, int vec) {
  bv_backward_dx_128<true>(dx, dA, w, B, IN, OUT, vec);
}

// The same three products on 128 × 64 tiles: twice the tiles of 128 × 128 for a grid that fills
// the GPU's resident blocks poorly (at batch 1024 most of the model's products have 80 or 320
// tiles of 128 × 128 for 264 resident blocks on an H200). Variants for now (bench/cuda), not in the
// launchers' table until a GPU has timed them. Block 256; the grid's x counts tiles of 64 columns.
// x (B,IN), w (OUT,IN), b (OUT) -> y (B,OUT) = act(x·wᵀ + b); grid (ceil(OUT/64), ceil(B/128))
extern "C" __global__ void __launch_bounds__(256) dense_forward_128x64(float* y, const float* x, const float* w,
                                                                      const float* b, int B, int IN, int OUT,
                                                                      int act, int vec) {
  bv_forward_wide<64>(y, x, w, b, B, IN, OUT, act, vec);
}
// dA (B,OUT), x (B,IN) -> dw (OUT,IN) += dAᵀ·x (= where accum is 0); grid (ceil(IN/64), ceil(OUT/128))
extern "C" __global__ void __launch_bounds__(256) dense_backward_dw_128x64(float* dw, const float* dA, const float* x,
                                                                          int B, int IN, int OUT, int vec,
                                                                          int accum) {
  bv_backward_dw_128<true, 64>(dw, dA, x, B, IN, OUT, vec, accum);
}
// dA (B,OUT), w (OUT,IN) -> dx (B,IN) = dA·w; grid (ceil(IN/64), ceil(B/128))
extern "C" __global__ void __launch_bounds__(256) dense_backward_dx_128x64(float* dx, const float* dA, const float* w,
                                                                          int B, int IN, int OUT, int vec) {
  bv_backward_dx_128<true, 64>(dx, dA, w, B, IN, OUT, vec);
}

// Split-K for the wide kernels, for grids of 128×128 tiles under one wave (batch 1024 into 1200
// outputs: 80 tiles on 132 SMs): partial[z] (M,N) is chunk z of the K sum, as bv_gemm_partial's,
// summed in order by dense_forward_sum / dense_backward_dx_sum. kChunk is a multiple of 16, so the
// chunks' bases keep the operands' 16-byte alignment. Variants for now (bench/cuda), not in the
// launchers' table until a GPU has timed them.
template <bool A_KC, bool B_KC>
__device__ __forceinline__ void bv_gemm_partial128(float* partial, const float* A, long long sam, long long sak,
                                                   const float* Bm, long long sbk, long long sbn, int M, int N, int K,
                                                   int kChunk, int vec) {
  const int m0 = blockIdx.y * DW_BM, n0 = blockIdx.x * DW_BN;
  const int kb = blockIdx.z * kChunk, kn = min(kChunk, K - kb);
  float acc[8][8] = {};
  bv_gemm_tile128<A_KC, B_KC>(acc, A + kb * sak, sam, sak, Bm + kb * sbk, sbk, sbn, M, N, kn, m0, n0, vec);
  bv_store_tile128(partial + (long long)blockIdx.z * M * N, M, N, acc, m0, n0, vec);
}

// x (B,IN), w (OUT,IN) -> partial (S,B,OUT), chunk z of the IN sum
// grid (ceil(OUT/128), ceil(B/128), S), block 256
extern "C" __global__ void __launch_bounds__(256) dense_forward_128_partial(float* partial, const float* x,
                                                                           const float* w, int B, int IN, int OUT,
                                                                           int kChunk, int vec) {
  bv_gemm_partial128<true, true>(partial, x, IN, 1, w, 1, IN, B, OUT, IN, kChunk, vec);
}

// dA (B,OUT), x (B,IN) -> partial (S,OUT,IN), chunk z of the B sum (the weight gradient split over
// the batch, for grids of 128×128 tiles that leave much of their last wave empty: 1200×4096 is 320
// tiles for 264 resident blocks on an H200); dense_backward_dw_sum adds the chunks in order
// grid (ceil(IN/128), ceil(OUT/128), S), block 256
extern "C" __global__ void __launch_bounds__(256) dense_backward_dw_128_partial(float* partial, const float* dA,
                                                                              const float* x, int B, int IN, int OUT,
                                                                              int kChunk, int vec) {
  // A(o,i) = dA[i·OUT + o], Bm(i,k) = x[i·IN + k], as in dense_backward_dw_128
  bv_gemm_partial128<false, false>(partial, dA, 1, OUT, x, IN, 1, OUT, IN, B, kChunk, vec);
}

// Two blocks an SM where that costs no spill: on sm_90 ptxas fits this kernel in 128 registers
// (141 unbounded), on sm_80 it would spill.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define BV_DX128_PARTIAL_BOUNDS __launch_bounds__(256, 2)
#else
#define BV_DX128_PARTIAL_BOUNDS __launch_bounds__(256)
#endif

// dA (B,OUT), w (OUT,IN) -> partial (S,B,IN), chunk z of the OUT sum
// grid (ceil(IN/128), ceil(B/128), S), block 256
extern "C" __global__ void BV_DX128_PARTIAL_BOUNDS dense_backward_dx_128_partial(float* partial, const float* dA,
                                                                               const float* w, int B, int IN, int OUT,
                                                                               int kChunk, int vec) {
  bv_gemm_partial128<true, false>(partial, dA, OUT, 1, w, IN, 1, B, IN, OUT, kChunk, vec);
}
