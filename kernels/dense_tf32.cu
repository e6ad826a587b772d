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
// Accumulation contract: y and dx are written with =, dw is accumulated with +=.
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
  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
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
    // this stage's 32 terms on the tensor cores, from zero; then added to acc on the FP32 units
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> part[2][2];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++) wmma::fill_fragment(part[i][j], 0.f);
    for (int kk = 0; kk < TF_BK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[2];
      for (int i = 0; i < 2; i++) wmma::load_matrix_sync(a[i], BV_SHARED_AT(as, wm * 32 + i * 16, kk), TF_BK + TF_PAD);
      for (int j = 0; j < 2; j++) wmma::load_matrix_sync(b[j], BV_SHARED_AT(bs, kk, wn * 32 + j * 16), TF_BN + TF_PAD);
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) wmma::mma_sync(part[i][j], a[i], b[j], part[i][j]);
    }
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        for (int t = 0; t < acc[i][j].num_elements; t++) acc[i][j].x[t] += part[i][j].x[t];
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

// dA (B,OUT), x (B,IN) -> dw (OUT,IN) += tf32(dA)ᵀ·tf32(x)
// grid (ceil(IN/64), ceil(OUT/64)), block 128
extern "C" __global__ void dense_backward_dw_tf32(float* dw, const float* dA, const float* x, int B, int IN,
                                                          int OUT) {
  bv_tf32_gemm<false, false>(dw, nullptr, 2, 0, dA, 1, OUT, x, IN, 1, OUT, IN, B);
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
