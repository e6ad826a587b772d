// Dense-layer products on tensor cores in TF32 (`--precision tf32`, DESIGN §12): the operands are
// rounded to TF32 as `cvt.rna.tf32.f32` does (10 mantissa bits, to nearest, ties away from zero)
// when a tile is staged, multiplied with the WMMA API (m16n16k8, sm_80 and later) and accumulated in
// FP32. The host harness implements that API (host/cuda_host.h), so these kernels run in CI.
// The tensor cores sum only each 32-term stage: their own FP32 accumulation does not round to
// nearest (Fasi, Higham, Mikaitis and Pranesh, "Numerical behavior of NVIDIA tensor cores", PeerJ
// CS 2021, found it truncates), and chained over a whole K it drifted from the CPU engine's TF32
// mode by 1.08e-5 on a 1100-term weight gradient on an H200. Each stage's sum is added to the
// running total on the FP32 units, rounded to nearest, as the CPU engine adds.
//
// Letters as in dense.cu. One block of 4 warps computes a 64×64 output tile, each warp a 32×32
// quarter as 2×2 accumulator fragments; K is staged through shared memory 32 at a time (four mma
// steps of 8). The accumulators go through shared memory to the epilogue, which checks the matrix
// edges, so every size works. dA and db (dense_bias_grad) stay FP32 and are shared with the
// FP32 path.
// Accumulation contract: y and dx are written with =, dw is accumulated with += (written with =
// where the accum argument is 0, as in dense.cu).
#pragma once
#include "common.cuh"
#ifdef __CUDACC__
#include <mma.h>
#endif

#define TF_BM 64
#define TF_BN 64
#define TF_BK 32
#define TF_THREADS 128
#define TF_PAD 4  // rows of 36 / 68 floats: 16-byte multiples, as WMMA wants, and fewer bank conflicts

// A warp's operand and accumulator fragments: m16n16k8, TF32 operands, FP32 accumulators.
using BvTf32A = nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 8, nvcuda::wmma::precision::tf32,
                                       nvcuda::wmma::row_major>;
using BvTf32B = nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 8, nvcuda::wmma::precision::tf32,
                                       nvcuda::wmma::row_major>;
using BvTf32Acc = nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 8, float>;

// acc[i][j] += a warp's 2×2 products over one K slice of KS terms (KS/8 mma steps): summed on the
// tensor cores from zero, then added to acc on the FP32 units (the stage sums of the file comment).
// load(a, b, kk) fills the warp's two A and two B fragments with the 8 terms from kk on.
template <int KS, class Load>
__device__ __forceinline__ void bv_tf32_stage(BvTf32Acc (&acc)[2][2], const Load& load) {
  BvTf32Acc part[2][2];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) nvcuda::wmma::fill_fragment(part[i][j], 0.f);
  for (int kk = 0; kk < KS; kk += 8) {
    BvTf32A a[2];
    BvTf32B b[2];
    load(a, b, kk);
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++) nvcuda::wmma::mma_sync(part[i][j], a[i], b[j], part[i][j]);
  }
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      for (int t = 0; t < acc[i][j].num_elements; t++) acc[i][j].x[t] += part[i][j].x[t];
}

// C(m,n) = Σ_k tf32(A(m,k))·tf32(Bm(k,n)) over k in [kb, ke) for the block's 64×64 tile at
// (m0, n0), then store(m, n, C(m,n)) for every m < M, n < N of it. la(m, k) = A(m,k) and
// lb(k, n) = Bm(k,n) are called inside the matrices only; A_KC / B_KC say whether k is the index
// that varies fastest in memory, which decides how the threads spread over a tile load. The
// convolutions (conv.cu) use it with gathering loaders.
template <bool A_KC, bool B_KC, class LA, class LB, class ST>
__device__ __forceinline__ void bv_tf32_tile(const LA& la, const LB& lb, int M, int N, int kb, int ke, int m0, int n0,
                                             const ST& store) {
  using namespace nvcuda;
  BV_SHARED2A(float, as, TF_BM, TF_BK + TF_PAD);
  BV_SHARED2A(float, bs, TF_BK, TF_BN + TF_PAD);
  BV_SHARED2A(float, cs, TF_BM, TF_BN + TF_PAD);
  const int tid = threadIdx.x, warp = tid >> 5, wm = warp >> 1, wn = warp & 1;
  BvTf32Acc acc[2][2];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);
  for (int k0 = kb; k0 < ke; k0 += TF_BK) {
    for (int l = tid; l < TF_BM * TF_BK; l += TF_THREADS) {
      const int m = A_KC ? l / TF_BK : l % TF_BM;
      const int k = A_KC ? l % TF_BK : l / TF_BM;
      const int gm = m0 + m, gk = k0 + k;
      as[m][k] = (gm < M && gk < ke) ? wmma::__float_to_tf32(la(gm, gk)) : 0.f;
    }
    for (int l = tid; l < TF_BN * TF_BK; l += TF_THREADS) {
      const int n = B_KC ? l / TF_BK : l % TF_BN;
      const int k = B_KC ? l % TF_BK : l / TF_BN;
      const int gn = n0 + n, gk = k0 + k;
      bs[k][n] = (gn < N && gk < ke) ? wmma::__float_to_tf32(lb(gk, gn)) : 0.f;
    }
    __syncthreads();
    bv_tf32_stage<TF_BK>(acc, [&](BvTf32A (&a)[2], BvTf32B (&b)[2], int kk) {
      for (int i = 0; i < 2; i++) wmma::load_matrix_sync(a[i], BV_SHARED_AT(as, wm * 32 + i * 16, kk), TF_BK + TF_PAD);
      for (int j = 0; j < 2; j++) wmma::load_matrix_sync(b[j], BV_SHARED_AT(bs, kk, wn * 32 + j * 16), TF_BN + TF_PAD);
    });
    __syncthreads();
  }
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      wmma::store_matrix_sync(BV_SHARED_AT(cs, wm * 32 + i * 16, wn * 32 + j * 16), acc[i][j], TF_BN + TF_PAD,
                              wmma::mem_row_major);
  __syncthreads();
  for (int l = tid; l < TF_BM * TF_BN; l += TF_THREADS) {
    const int m = l / TF_BN, n = l % TF_BN;  // consecutive threads, consecutive columns: coalesced
    const int gm = m0 + m, gn = n0 + n;
    if (gm < M && gn < N) store(gm, gn, (float)cs[m][n]);
  }
}

// A strided operand: p[i·si + k·sk].
struct BvStrided {
  const float* p;
  long long si, sk;
  __device__ __forceinline__ float operator()(int i, int k) const { return p[i * si + k * sk]; }
};

// The dense kernels' epilogue on out (M,N): mode 0: out = act(C + bias[n]); 1: out = C; 2: out += C.
struct BvTf32Store {
  float* out;
  const float* bias;
  int mode, act, N;
  __device__ __forceinline__ void operator()(int m, int n, float c) const {
    float* o = out + (long long)m * N + n;
    if (mode == 0) *o = bv_act(c + bias[n], act);
    else if (mode == 1) *o = c;
    else *o += c;
  }
};

// out (M,N) op= C, C(m,n) = Σ_k tf32(A(m,k))·tf32(Bm(k,n)) over the block's 64×64 tile, with
// A(m,k) = A[m·sam + k·sak], Bm(k,n) = Bm[k·sbk + n·sbn] (A_KC / B_KC: k is the contiguous index).
// mode 0: out = act(C + bias[n]); 1: out = C; 2: out += C.
template <bool A_KC, bool B_KC>
__device__ __forceinline__ void bv_tf32_gemm(float* __restrict__ out, const float* __restrict__ bias, int mode, int act,
                                             const float* __restrict__ A, long long sam, long long sak,
                                             const float* __restrict__ Bm, long long sbk, long long sbn, int M, int N,
                                             int K) {
  bv_tf32_tile<A_KC, B_KC>(BvStrided{A, sam, sak}, BvStrided{Bm, sbk, sbn}, M, N, 0, K, blockIdx.y * TF_BM,
                           blockIdx.x * TF_BN, BvTf32Store{out, bias, mode, act, N});
}

// x (B,IN), w (OUT,IN), b (OUT) -> y (B,OUT) = act(tf32(x)·tf32(w)ᵀ + b)
// grid (ceil(OUT/64), ceil(B/64)), block 128
extern "C" __global__ void dense_forward_tf32(float* y, const float* x, const float* w, const float* b, int B,
                                                      int IN, int OUT, int act) {
  bv_tf32_gemm<true, true>(y, b, 0, act, x, IN, 1, w, 1, IN, B, OUT, IN);
}

// dA (B,OUT), w (OUT,IN) -> dx (B,IN) = tf32(dA)·tf32(w)
// grid (ceil(IN/64), ceil(B/64)), block 128
extern "C" __global__ void dense_backward_dx_tf32(float* dx, const float* dA, const float* w, int B, int IN,
                                                          int OUT) {
  bv_tf32_gemm<true, false>(dx, nullptr, 1, 0, dA, OUT, 1, w, IN, 1, B, IN, OUT);
}

// dA (B,OUT), x (B,IN) -> dw (OUT,IN) += tf32(dA)ᵀ·tf32(x) (= where accum is 0, as in dense.cu)
// grid (ceil(IN/64), ceil(OUT/64)), block 128
extern "C" __global__ void dense_backward_dw_tf32(float* dw, const float* dA, const float* x, int B, int IN,
                                                          int OUT, int accum) {
  bv_tf32_gemm<false, false>(dw, nullptr, accum ? 2 : 1, 0, dA, 1, OUT, x, IN, 1, OUT, IN, B);
}

// Split-K for TF32 products whose output has few 64×64 tiles (batch 64 on an H200 left the whole-K
// kernels 8–23% of cuBLAS's FP32 time, below our FP32 split-K): partial[z] (M,N) is chunk z of the
// K sum, z = blockIdx.z, chunk [z·kChunk, (z+1)·kChunk) ∩ [0,K), as dense.cu's *_partial, and
// dense_forward_sum / dense_backward_dx_sum add the chunks in order (plus bias and activation).

// x (B,IN), w (OUT,IN) -> partial (S,B,OUT), chunk z of the IN sum
// grid (ceil(OUT/64), ceil(B/64), S), block 128
extern "C" __global__ void dense_forward_tf32_partial(float* partial, const float* x, const float* w, int B, int IN,
                                                      int OUT, int kChunk) {
  const int kb = blockIdx.z * kChunk;
  bv_tf32_tile<true, true>(BvStrided{x, IN, 1}, BvStrided{w, 1, IN}, B, OUT, kb, min(IN, kb + kChunk),
                           blockIdx.y * TF_BM, blockIdx.x * TF_BN,
                           BvTf32Store{partial + (long long)blockIdx.z * B * OUT, nullptr, 1, 0, OUT});
}

// dA (B,OUT), w (OUT,IN) -> partial (S,B,IN), chunk z of the OUT sum
// grid (ceil(IN/64), ceil(B/64), S), block 128
extern "C" __global__ void dense_backward_dx_tf32_partial(float* partial, const float* dA, const float* w, int B,
                                                          int IN, int OUT, int kChunk) {
  const int kb = blockIdx.z * kChunk;
  bv_tf32_tile<true, false>(BvStrided{dA, OUT, 1}, BvStrided{w, IN, 1}, B, IN, kb, min(OUT, kb + kChunk),
                            blockIdx.y * TF_BM, blockIdx.x * TF_BN,
                            BvTf32Store{partial + (long long)blockIdx.z * B * IN, nullptr, 1, 0, IN});
}

// ---------------------------------------------------------------------------------------------
// The wide TF32 kernels (dense_forward_tf32_wide, dense_backward_dx_tf32_wide,
// dense_backward_dw_tf32_wide): one 128×64 output tile per block of 256 threads (8 warps as 4 × 2,
// each a 32×32 piece as 2×2 fragments), for products with many output tiles. Against
// bv_tf32_tile: twice the warps per block, 128-bit global loads where the launcher found the rows
// aligned (vec bit 1: A, bit 2: B; a scalar path for the edges and everything else), and
// double-buffered shared memory (the next 16-term K slice is loaded while this one is multiplied,
// then lands in the other buffer: one barrier a slice). An operand whose shared layout is its
// memory layout (A with k contiguous: x, dA in dx; Bm with n contiguous: w in dx, x in dw) goes by
// cp.async where aligned, the others through registers; so the operands are rounded to TF32 in the
// fragments, as they are loaded from shared memory, not when staged. Each slice's 16 terms are
// summed on the tensor cores from zero and added to the total in FP32, as in bv_tf32_tile. The
// output goes through a 16×16 scratch per warp to the epilogue, which checks the matrix edges.
#define TW_BM 128
#define TW_BN 64
#define TW_BK 16
#define TW_LDA (TW_BK + 4)  // A slices are stored [m][k]: rows of 20 floats (80 bytes)
#define TW_LDB (TW_BN + 4)  // B slices [k][n]: rows of 68 floats

// Four values of P(r,k) = P[r·sr + k·sk] from (r, k) on, along k where KC (sk = 1), else along r
// (sr = 1): one 128-bit load where vec and all four lie inside rows [0, R) and k [0, ke), else one
// by one, with zeros outside.
template <bool KC>
__device__ __forceinline__ void bv_tw_load4(float o[4], const float* __restrict__ P, long long sr, long long sk, int R,
                                            int ke, int r, int k, bool vec) {
  if (KC ? (vec && r < R && k + 3 < ke) : (vec && r + 3 < R && k < ke)) {
    const float4 q = BV_LD4(KC ? P + r * sr + k : P + k * sk + r);
    o[0] = q.x, o[1] = q.y, o[2] = q.z, o[3] = q.w;
  } else {
#pragma unroll
    for (int i = 0; i < 4; i++) {
      const int ri = KC ? r : r + i, ki = KC ? k + i : k;
      o[i] = (ri < R && ki < ke) ? P[ri * sr + ki * sk] : 0.f;
    }
  }
}

// Where thread t's values lie in a slice, relative to its origin: A's group g of four is row
// bv_tw_a_row, term bv_tw_a_k (KC, sak = 1: row (t>>2) + 64g, k (t&3)·4 .. +3; otherwise, sam = 1:
// k (t>>5) + 8g, rows (t&31)·4 .. +3); Bm's four are column bv_tw_b_col, term bv_tw_b_k (KC,
// sbk = 1: column t>>2, k (t&3)·4 .. +3; otherwise, sbn = 1: k t>>4, columns (t&15)·4 .. +3). The
// loaders, the stores into shared memory and the cp.async copies all take these.
template <bool KC>
__device__ __forceinline__ int bv_tw_a_row(int t, int g) {
  return KC ? (t >> 2) + 64 * g : (t & 31) * 4;
}
template <bool KC>
__device__ __forceinline__ int bv_tw_a_k(int t, int g) {
  return KC ? (t & 3) * 4 : (t >> 5) + 8 * g;
}
template <bool KC>
__device__ __forceinline__ int bv_tw_b_col(int t) {
  return KC ? t >> 2 : (t & 15) * 4;
}
template <bool KC>
__device__ __forceinline__ int bv_tw_b_k(int t) {
  return KC ? (t & 3) * 4 : t >> 4;
}

// A(m,k) = A[m·sam + k·sak] over rows [m0, m0+128) and k [k0, k0+16) ∩ [.., ke): 8 values per
// thread, two groups of 4 along A's contiguous index.
template <bool KC>
__device__ __forceinline__ void bv_tw_load_a(float v[8], const float* __restrict__ A, long long sam, long long sak,
                                             int M, int ke, int m0, int k0, bool vec) {
  const int t = threadIdx.x;
#pragma unroll
  for (int g = 0; g < 2; g++) {
    bv_tw_load4<KC>(v + 4 * g, A, sam, sak, M, ke, m0 + bv_tw_a_row<KC>(t, g), k0 + bv_tw_a_k<KC>(t, g), vec);
  }
}

// Bm(k,n) = Bm[k·sbk + n·sbn] over k [k0, k0+16) ∩ [.., ke) and columns [n0, n0+64): 4 values per
// thread along Bm's contiguous index, read as Bmᵀ(n,k).
template <bool KC>
__device__ __forceinline__ void bv_tw_load_b(float v[4], const float* __restrict__ Bm, long long sbk, long long sbn,
                                             int N, int ke, int n0, int k0, bool vec) {
  const int t = threadIdx.x;
  bv_tw_load4<KC>(v, Bm, sbn, sbk, N, ke, n0 + bv_tw_b_col<KC>(t), k0 + bv_tw_b_k<KC>(t), vec);
}

// A thread's slice values (the loaders' layouts) into buffer s: as[s·128 + m][k], bs[s·16 + k][n].
// Stored as read: the fragments are rounded to TF32 as they are loaded (bv_tf32_round).
template <bool KC, class Shared>
__device__ __forceinline__ void bv_tw_store_a(Shared& as, int s, const float v[8]) {
  const int t = threadIdx.x;
#pragma unroll
  for (int g = 0; g < 2; g++) {
    const float* o = v + 4 * g;
    const int r = s * TW_BM + bv_tw_a_row<KC>(t, g), k = bv_tw_a_k<KC>(t, g);
    if (KC) {
      BV_STS4(as, r, k, make_float4(o[0], o[1], o[2], o[3]));
    } else {
#pragma unroll
      for (int i = 0; i < 4; i++) as[r + i][k] = o[i];
    }
  }
}

template <bool KC, class Shared>
__device__ __forceinline__ void bv_tw_store_b(Shared& bs, int s, const float v[4]) {
  const int t = threadIdx.x;
  const int k = s * TW_BK + bv_tw_b_k<KC>(t), c = bv_tw_b_col<KC>(t);
  if (KC) {
#pragma unroll
    for (int i = 0; i < 4; i++) bs[k + i][c] = v[i];
  } else {
    BV_STS4(bs, k, c, make_float4(v[0], v[1], v[2], v[3]));
  }
}

// The cp.async forms of load + store for an operand whose shared layout is its memory layout: A
// with k contiguous (KC; as[m][k]) and Bm with n contiguous (!KC; bs[k][n]); same thread layout as
// bv_tw_load_a / bv_tw_load_b, zero-filled outside the matrix. The rows must be 16-byte aligned
// (vec) and kb a multiple of 4.
template <class Shared>
__device__ __forceinline__ void bv_tw_copy_a(Shared& as, int s, const float* __restrict__ A, long long sam, int M,
                                             int ke, int m0, int k0) {
  const int t = threadIdx.x;
#pragma unroll
  for (int g = 0; g < 2; g++) {
    const int r = bv_tw_a_row<true>(t, g), kk = bv_tw_a_k<true>(t, g), m = m0 + r, k = k0 + kk;
    const int n = m < M ? max(0, min(4, ke - k)) : 0;
    BV_CP_ASYNC4(as, s * TW_BM + r, kk, n > 0 ? A + m * sam + k : A, n);
  }
}

template <class Shared>
__device__ __forceinline__ void bv_tw_copy_b(Shared& bs, int s, const float* __restrict__ Bm, long long sbk, int N,
                                             int ke, int n0, int k0) {
  const int t = threadIdx.x;
  const int c = bv_tw_b_col<false>(t), kk = bv_tw_b_k<false>(t), n = n0 + c, k = k0 + kk;
  const int cnt = k < ke ? max(0, min(4, N - n)) : 0;
  BV_CP_ASYNC4(bs, s * TW_BK + kk, c, cnt > 0 ? Bm + k * sbk + n : Bm, cnt);
}

// cvt.rna.tf32.f32 on every element of a fragment just loaded from shared memory.
template <class F>
__device__ __forceinline__ void bv_tf32_round(F& f) {
  for (int e = 0; e < f.num_elements; e++) f.x[e] = nvcuda::wmma::__float_to_tf32(f.x[e]);
}

// store(m, n, C(m,n)) for the block's 128×64 tile at (m0, n0), C = Σ_{k in [kb,ke)} tf32(A(m,k))·tf32(Bm(k,n)).
// ASYNC: an operand that bv_tw_copy_a / bv_tw_copy_b can take (A with k contiguous, Bm with n
// contiguous, rows aligned) goes by cp.async; false keeps every operand on the register path (the
// variant bench/cuda times against it).
template <bool A_KC, bool B_KC, bool ASYNC, class ST>
__device__ __forceinline__ void bv_tf32_wide_tile(const float* __restrict__ A, long long sam, long long sak,
                                                  const float* __restrict__ Bm, long long sbk, long long sbn, int M,
                                                  int N, int kb, int ke, int m0, int n0, int vec, const ST& store) {
  using namespace nvcuda;
  BV_SHARED2A(float, as, 2 * TW_BM, TW_LDA);
  BV_SHARED2A(float, bs, 2 * TW_BK, TW_LDB);
  BV_SHARED2A(float, cs, 8 * 16, TW_LDA);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, wm = warp >> 1, wn = warp & 1;
  const bool ca = ASYNC && A_KC && (vec & 1), cb = ASYNC && !B_KC && (vec & 2);
  BvTf32Acc acc[2][2];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);
  float va[8], vb[4];
  if (ca) {
    bv_tw_copy_a(as, 0, A, sam, M, ke, m0, kb);
  } else {
    bv_tw_load_a<A_KC>(va, A, sam, sak, M, ke, m0, kb, vec & 1);
    bv_tw_store_a<A_KC>(as, 0, va);
  }
  if (cb) {
    bv_tw_copy_b(bs, 0, Bm, sbk, N, ke, n0, kb);
  } else {
    bv_tw_load_b<B_KC>(vb, Bm, sbk, sbn, N, ke, n0, kb, vec & 2);
    bv_tw_store_b<B_KC>(bs, 0, vb);
  }
  BV_CP_ASYNC_COMMIT();
  BV_CP_ASYNC_WAIT(0);
  __syncthreads();
  int s = 0;
  for (int k0 = kb; k0 < ke; k0 += TW_BK) {
    const bool more = k0 + TW_BK < ke;
    if (more) {
      // in flight while this slice is multiplied; the other buffer was last read before the
      // previous barrier
      if (ca) bv_tw_copy_a(as, s ^ 1, A, sam, M, ke, m0, k0 + TW_BK);
      else bv_tw_load_a<A_KC>(va, A, sam, sak, M, ke, m0, k0 + TW_BK, vec & 1);
      if (cb) bv_tw_copy_b(bs, s ^ 1, Bm, sbk, N, ke, n0, k0 + TW_BK);
      else bv_tw_load_b<B_KC>(vb, Bm, sbk, sbn, N, ke, n0, k0 + TW_BK, vec & 2);
      BV_CP_ASYNC_COMMIT();
    }
    bv_tf32_stage<TW_BK>(acc, [&](BvTf32A (&a)[2], BvTf32B (&b)[2], int kk) {
      for (int i = 0; i < 2; i++) {
        wmma::load_matrix_sync(a[i], BV_SHARED_AT(as, s * TW_BM + wm * 32 + i * 16, kk), TW_LDA);
        bv_tf32_round(a[i]);
      }
      for (int j = 0; j < 2; j++) {
        wmma::load_matrix_sync(b[j], BV_SHARED_AT(bs, s * TW_BK + kk, wn * 32 + j * 16), TW_LDB);
        bv_tf32_round(b[j]);
      }
    });
    if (more) {
      if (!ca) bv_tw_store_a<A_KC>(as, s ^ 1, va);
      if (!cb) bv_tw_store_b<B_KC>(bs, s ^ 1, vb);
    }
    BV_CP_ASYNC_WAIT(0);
    __syncthreads();
    s ^= 1;
  }
  for (int i = 0; i < 2; i++) {
    for (int j = 0; j < 2; j++) {
      // each warp reads back only its own scratch, so a __syncwarp orders the fragment's store
      // before the lanes' reads, and their reads before the next store
      wmma::store_matrix_sync(BV_SHARED_AT(cs, warp * 16, 0), acc[i][j], TW_LDA, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32) {
        const int r = e >> 4, c = e & 15;  // consecutive lanes, consecutive columns
        const int gm = m0 + wm * 32 + i * 16 + r, gn = n0 + wn * 32 + j * 16 + c;
        if (gm < M && gn < N) store(gm, gn, (float)cs[warp * 16 + r][c]);
      }
      __syncwarp();
    }
  }
}

// x (B,IN), w (OUT,IN), b (OUT) -> y (B,OUT) = act(tf32(x)·tf32(w)ᵀ + b)
// grid (ceil(OUT/64), ceil(B/128)), block 256; x by cp.async where aligned
template <bool ASYNC>
__device__ __forceinline__ void bv_forward_tf32_wide(float* y, const float* x, const float* w, const float* b, int B,
                                                     int IN, int OUT, int act, int vec) {
  bv_tf32_wide_tile<true, true, ASYNC>(x, IN, 1, w, 1, IN, B, OUT, 0, IN, blockIdx.y * TW_BM, blockIdx.x * TW_BN, vec,
                                       BvTf32Store{y, b, 0, act, OUT});
}
extern "C" __global__ void __launch_bounds__(256) dense_forward_tf32_wide(float* y, const float* x, const float* w,
                                                                         const float* b, int B, int IN, int OUT,
                                                                         int act, int vec) {
  bv_forward_tf32_wide<true>(y, x, w, b, B, IN, OUT, act, vec);
}

// dA (B,OUT), w (OUT,IN) -> dx (B,IN) = tf32(dA)·tf32(w)
// grid (ceil(IN/64), ceil(B/128)), block 256; both operands by cp.async where aligned
template <bool ASYNC>
__device__ __forceinline__ void bv_backward_dx_tf32_wide(float* dx, const float* dA, const float* w, int B, int IN,
                                                         int OUT, int vec) {
  bv_tf32_wide_tile<true, false, ASYNC>(dA, OUT, 1, w, IN, 1, B, IN, 0, OUT, blockIdx.y * TW_BM, blockIdx.x * TW_BN,
                                        vec, BvTf32Store{dx, nullptr, 1, 0, IN});
}
extern "C" __global__ void __launch_bounds__(256) dense_backward_dx_tf32_wide(float* dx, const float* dA,
                                                                             const float* w, int B, int IN, int OUT,
                                                                             int vec) {
  bv_backward_dx_tf32_wide<true>(dx, dA, w, B, IN, OUT, vec);
}

// dA (B,OUT), x (B,IN) -> dw (OUT,IN) += tf32(dA)ᵀ·tf32(x) (= where accum is 0)
// grid (ceil(IN/64), ceil(OUT/128)), block 256; x by cp.async where aligned
template <bool ASYNC>
__device__ __forceinline__ void bv_backward_dw_tf32_wide(float* dw, const float* dA, const float* x, int B, int IN,
                                                         int OUT, int vec, int accum) {
  bv_tf32_wide_tile<false, false, ASYNC>(dA, 1, OUT, x, IN, 1, OUT, IN, 0, B, blockIdx.y * TW_BM, blockIdx.x * TW_BN,
                                         vec, BvTf32Store{dw, nullptr, accum ? 2 : 1, 0, IN});
}
extern "C" __global__ void __launch_bounds__(256) dense_backward_dw_tf32_wide(float* dw, const float* dA,
                                                                             const float* x, int B, int IN, int OUT,
                                                                             int vec, int accum) {
  bv_backward_dw_tf32_wide<true>(dw, dA, x, B, IN, OUT, vec, accum);
}
