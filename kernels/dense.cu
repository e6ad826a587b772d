// Dense (fully connected) layers: y = act(x·Wᵀ + b) and its backward.
//
// Letters: B batch, IN input width, OUT output width. All matrices are row-major and W is (OUT, IN)
// like PyTorch's nn.Linear; act is an activation code from common.cuh.
// Accumulation contract: parameter gradients are accumulated with += (dW, db); activations and
// activation gradients are written with = (y, dA in place of dy, dx).
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
// to scratch (S, M, N) (dense_forward_kernel2, dense_backward_kernel4), and a second pass sums the S
// partials in chunk order (dense_forward_kernel3, dense_backward_kernel5) — still deterministic,
// since the order of the sum is fixed, and still without atomics. The weight gradient of a thin layer
// at a large batch splits its B-long sum the same way (dense_backward_kernel6, 7).
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
extern "C" __global__ void dense_forward_kernel1(float* y, const float* x, const float* w, const float* b,
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

// dy (B,OUT) is overwritten with dA = dy ⊙ act'(y), y (B,OUT); db (OUT) += Σ_B dA.
// A block covers 32 columns with 8 row lanes: thread (c, r) walks rows r, r + 8, … in order (a warp
// reads 32 consecutive columns of a row: one 128-byte line), then row lane 0 adds the 8 partial sums
// in lane order. The order is fixed, so the sum is deterministic; it is not the CPU's row order, so
// db agrees with the CPU to rounding (the parity tolerance), not bit for bit.
// grid ceil(OUT/32), block 256
extern "C" __global__ void dense_backward_kernel1(float* dy, float* db, const float* y, int B, int OUT, int act) {
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
    db[o] += t;
  }
}

// dA (B,OUT), x (B,IN) -> dw (OUT,IN) += dAᵀ·x
// grid (ceil(IN/64), ceil(OUT/64)), block 256
extern "C" __global__ void dense_backward_kernel2(float* dw, const float* dA, const float* x, int B, int IN, int OUT) {
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
      if (n < IN) dw[(long long)m * IN + n] += acc[i][j];
    }
  }
}

// dA (B,OUT), w (OUT,IN) -> dx (B,IN) = dA·w
// grid (ceil(IN/64), ceil(B/64)), block 256
extern "C" __global__ void dense_backward_kernel3(float* dx, const float* dA, const float* w, int B, int IN, int OUT) {
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
extern "C" __global__ void dense_forward_kernel2(float* partial, const float* x, const float* w, int B, int IN, int OUT,
                                                 int kChunk) {
  bv_gemm_partial<true, true>(partial, x, IN, 1, w, 1, IN, B, OUT, IN, kChunk);
}

// partial (S,B,OUT), b (OUT) -> y (B,OUT) = act(Σ_S partial + b)
// grid (ceil(OUT/256), B), block 256
extern "C" __global__ void dense_forward_kernel3(float* y, const float* partial, const float* b, int B, int OUT, int S,
                                                 int act) {
  bv_sum_partials(y, partial, b, B, OUT, S, act);
}

// dA (B,OUT), w (OUT,IN) -> partial (S,B,IN), chunk z of the OUT sum
// grid (ceil(IN/64), ceil(B/64), S), block 256
extern "C" __global__ void dense_backward_kernel4(float* partial, const float* dA, const float* w, int B, int IN,
                                                  int OUT, int kChunk) {
  bv_gemm_partial<true, false>(partial, dA, OUT, 1, w, IN, 1, B, IN, OUT, kChunk);
}

// partial (S,B,IN) -> dx (B,IN) = Σ_S partial
// grid (ceil(IN/256), B), block 256
extern "C" __global__ void dense_backward_kernel5(float* dx, const float* partial, int B, int IN, int S) {
  bv_sum_partials(dx, partial, nullptr, B, IN, S, BV_ACT_IDENTITY);
}

// Split-K over the batch for the weight gradient of thin layers (the 1200→20 head, the 10→1200 first
// decoder layer: few 64×64 tiles of dW, a long B-term sum at large batches).
// dA (B,OUT), x (B,IN) -> partial (S,OUT,IN), chunk z of the B sum
// grid (ceil(IN/64), ceil(OUT/64), S), block 256
extern "C" __global__ void dense_backward_kernel6(float* partial, const float* dA, const float* x, int B, int IN,
                                                  int OUT, int kChunk) {
  // A(o,i) = dA[i·OUT + o], Bm(i,k) = x[i·IN + k], as in dense_backward_kernel2
  bv_gemm_partial<false, false>(partial, dA, 1, OUT, x, IN, 1, OUT, IN, B, kChunk);
}

// partial (S,OUT,IN) -> dw (OUT,IN) += Σ_S partial, z in ascending order
// grid (ceil(IN/256), OUT), block 256
extern "C" __global__ void dense_backward_kernel7(float* dw, const float* partial, int OUT, int IN, int S) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x, m = blockIdx.y;
  if (n >= IN) return;
  const long long e = (long long)m * IN + n, mn = (long long)OUT * IN;
  float s = 0.f;
  for (int z = 0; z < S; z++) s += partial[z * mn + e];
  dw[e] += s;
}

// External GEMM epilogue: when cuBLAS has written y = x·Wᵀ, this adds the bias and applies the
// activation in place, so the rest of the layer (dA, db in dense_backward_kernel1) is unchanged.
// y (B,OUT), b (OUT) -> y (B,OUT) = act(y + b)
// grid (ceil(OUT/256), B), block 256
extern "C" __global__ void dense_forward_kernel4(float* y, const float* b, int B, int OUT, int act) {
  const int o = blockIdx.x * blockDim.x + threadIdx.x, i = blockIdx.y;
  if (o >= OUT) return;
  const long long e = (long long)i * OUT + o;
  y[e] = bv_act(y[e] + b[o], act);
}
