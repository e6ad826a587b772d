// The slice of CUDA C++ that the kernels in kernels/ use, supplied for g++ so that the very same
// sources run on the CPU (the host-execution harness, DESIGN §4).
//
// Model: a launch runs its blocks one after another; the threads of a block run as fibers on one OS
// thread and switch only where CUDA threads could wait for each other (__syncthreads, warp
// shuffles, __syncwarp). Because only one block is alive at a time, `__shared__` can simply be
// `static`: each block sees the arrays fresh from the previous block, like uninitialised shared
// memory. Atomics need no locking for the same reason: a fiber is never interrupted between two
// barriers.
//
// Include this header before any kernel source; nvcc never sees it.
#pragma once
#ifdef __CUDACC__
#error "cuda_host.h is for the host build only"
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <string>
#include <type_traits>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __shared__ static
#define __launch_bounds__(...)

struct uint3 {
  unsigned int x, y, z;
};

struct dim3 {
  unsigned int x, y, z;
  dim3(unsigned int a = 1, unsigned int b = 1, unsigned int c = 1) : x(a), y(b), z(c) {}
};

namespace bvhost {
// Set by the scheduler before it resumes a fiber (threadIdx) or starts a block (the others).
extern const uint3* g_thread_idx;
extern uint3 g_block_idx;
extern dim3 g_block_dim;
extern dim3 g_grid_dim;

// Where in the source a thread waits (file and line of the __syncthreads or warp intrinsic): what
// synccheck compares across the threads it releases. A source position, not a code address, since
// the compiler may duplicate one call into several paths.
struct Site {
  const char* file = nullptr;
  int line = 0;
};
// Waits until every live thread of the block has arrived.
void sync_threads(Site site);
// Publishes this lane's 64-bit word to its warp, waits for the warp's live lanes, and returns the 32
// words of the warp (indexed by lane) — the one primitive every shuffle is built from. `mask` is the
// intrinsic's member mask, checked by synccheck against the lanes that actually meet here.
const uint64_t* warp_exchange(uint64_t word, unsigned int mask, Site site);
// __syncwarp: a warp_exchange that also orders shared memory among the warp's lanes for racecheck
// (a release of all 32 lanes counts; see SharedMeta).
void sync_warp(unsigned int mask, Site site);
// This thread's lane (linear thread index % 32).
int lane_id();

template <class T>
inline uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8, "shuffles move at most 64 bits");
  uint64_t b = 0;
  memcpy(&b, &v, sizeof(T));
  return b;
}

template <class T>
inline T from_bits(uint64_t b) {
  T v;
  memcpy(&v, &b, sizeof(T));
  return v;
}

// Lane src_lane of the width-lane segment that the calling lane belongs to.
template <class T>
inline T shfl_from(T v, int src_in_segment, int width, bool in_range, unsigned int mask, Site site) {
  const uint64_t* words = warp_exchange(to_bits(v), mask, site);
  if (!in_range) return v;
  const int base = lane_id() & ~(width - 1);
  return from_bits<T>(words[base + src_in_segment]);
}
}  // namespace bvhost

#define threadIdx (*::bvhost::g_thread_idx)
#define blockIdx (::bvhost::g_block_idx)
#define blockDim (::bvhost::g_block_dim)
#define gridDim (::bvhost::g_grid_dim)
#define warpSize 32

// Each intrinsic passes its source position (see bvhost::Site), so they are macros over *_at forms.
#define __syncthreads() ::bvhost::sync_threads(::bvhost::Site{__FILE__, __LINE__})
#define __syncwarp(...) ::bvhost::SyncWarp{::bvhost::Site{__FILE__, __LINE__}}(__VA_ARGS__)
#define __shfl_sync(...) ::bvhost::shfl_at(::bvhost::Site{__FILE__, __LINE__}, __VA_ARGS__)
#define __shfl_down_sync(...) ::bvhost::shfl_down_at(::bvhost::Site{__FILE__, __LINE__}, __VA_ARGS__)
#define __shfl_up_sync(...) ::bvhost::shfl_up_at(::bvhost::Site{__FILE__, __LINE__}, __VA_ARGS__)
#define __shfl_xor_sync(...) ::bvhost::shfl_xor_at(::bvhost::Site{__FILE__, __LINE__}, __VA_ARGS__)

namespace bvhost {
// __syncwarp(mask = all lanes), carrying its source position.
struct SyncWarp {
  Site site;
  void operator()(unsigned int mask = 0xffffffffu) const { sync_warp(mask, site); }
};

template <class T>
inline T shfl_at(Site site, unsigned int members, T v, int src, int width = 32) {
  return shfl_from(v, src & (width - 1), width, true, members, site);
}

template <class T>
inline T shfl_down_at(Site site, unsigned int members, T v, unsigned int delta, int width = 32) {
  const int l = lane_id() & (width - 1);
  return shfl_from(v, l + (int)delta, width, l + (int)delta < width, members, site);
}

template <class T>
inline T shfl_up_at(Site site, unsigned int members, T v, unsigned int delta, int width = 32) {
  const int l = lane_id() & (width - 1);
  return shfl_from(v, l - (int)delta, width, l - (int)delta >= 0, members, site);
}

template <class T>
inline T shfl_xor_at(Site site, unsigned int members, T v, int mask, int width = 32) {
  const int l = lane_id() & (width - 1);
  return shfl_from(v, (l ^ mask) & (width - 1), width, true, members, site);
}
}  // namespace bvhost

// Shared arrays, declared by the kernels through BV_SHARED / BV_SHARED2 (common.cuh): plain
// __shared__ arrays under nvcc, and here static arrays whose every element access goes through a
// checked reference. memcheck: an index outside the array is a finding (the access goes to a spare
// element instead). racecheck: each element remembers who last wrote and read it in which barrier
// epoch; a write and another thread's access between the same two __syncthreads is a hazard, unless
// both threads are lanes of one warp and a __syncwarp of the whole warp came between them.
namespace bvhost {
struct SharedMeta {
  unsigned long long w_epoch = 0, r_epoch = 0;
  int w_tid = -1, r_tid = -1;  // r_tid −2: several readers in r_epoch
  int r_warp = -1;             // the warp of every reader in r_epoch, −1 if they span warps
  // how many whole-warp __syncwarp releases the accessing thread's warp had had at the last write /
  // at the latest of the reads in r_epoch
  unsigned w_sync = 0, r_sync = 0;
};
// Element (i, j) of the named array (j < 0 for a 1-D array); the text of a finding is built only
// when there is one, so a checked access costs a few comparisons.
void shared_read(SharedMeta& m, const char* name, long i, long j);
void shared_write(SharedMeta& m, const char* name, long i, long j);
void shared_out_of_bounds(const char* name, long i, long j, long rows, long cols);
// Whether racecheck tracks shared-array accesses (g_checks.race, set before each launch): read
// inline on every access, so an unchecked run pays one load, not a call.
extern bool g_shared_tracking;
inline bool shared_tracking() { return g_shared_tracking; }

template <class T>
struct SharedRef {
  T* p;
  SharedMeta* m;
  const char* name;
  long i, j;  // j < 0 for a 1-D array
  operator T() const {
    if (shared_tracking()) shared_read(*m, name, i, j);
    return *p;
  }
  SharedRef& operator=(T v) {
    if (shared_tracking()) shared_write(*m, name, i, j);
    *p = v;
    return *this;
  }
  SharedRef& operator=(const SharedRef& o) { return *this = (T)o; }
  SharedRef& operator+=(T v) { return *this = (T)*this + v; }
  SharedRef& operator-=(T v) { return *this = (T)*this - v; }
  SharedRef& operator*=(T v) { return *this = (T)*this * v; }
};

template <class T, long N>
struct Shared1 {
  const char* name;
  T data[N];
  SharedMeta meta[N];
  T spare;
  SharedMeta spare_meta;
  explicit Shared1(const char* n) : name(n) {}
  SharedRef<T> operator[](long i) {
    if (i < 0 || i >= N) {
      shared_out_of_bounds(name, i, -1, N, -1);
      return {&spare, &spare_meta, name, i, -1};
    }
    return {&data[i], &meta[i], name, i, -1};
  }
};

// A: declared with BV_SHARED2A (__align__(32) under nvcc); only those arrays may take 128-bit
// accesses, cp.async copies and WMMA loads and stores, which need their address aligned.
template <class T, long R, long C, bool A = false>
struct Shared2 {
  static constexpr long cols = C;
  static constexpr bool aligned = A;
  const char* name;
  T data[R][C];
  SharedMeta meta[R][C];
  T spare;
  SharedMeta spare_meta;
  explicit Shared2(const char* n) : name(n) {}
  struct Row {
    Shared2* s;
    long r;
    SharedRef<T> operator[](long c) {
      if (r < 0 || r >= R || c < 0 || c >= C) {
        shared_out_of_bounds(s->name, r, c, R, C);
        return {&s->spare, &s->spare_meta, s->name, r, c};
      }
      return {&s->data[r][c], &s->meta[r][c], s->name, r, c};
    }
  };
  Row operator[](long r) { return Row{this, r}; }
  // &name[r][c] for the WMMA loads and stores (BV_SHARED_AT): element accesses stay checked.
  struct Ptr {
    Shared2* s;
    long r, c;
  };
  Ptr at(long r, long c) { return Ptr{this, r, c}; }
};
}  // namespace bvhost

#define BV_SHARED(T, name, N) static ::bvhost::Shared1<T, (N)> name(#name)
#define BV_SHARED2(T, name, R, C) static ::bvhost::Shared2<T, (R), (C)> name(#name)
#define BV_SHARED2A(T, name, R, C) static ::bvhost::Shared2<T, (R), (C), true> name(#name)
#define BV_SHARED_AT(name, r, c) ((name).at((r), (c)))

// 128-bit accesses (BV_LD4 and friends in common.cuh): four element accesses here, with the GPU's
// alignment rule checked, since a misaligned vector access faults there whatever the sanitizer.
struct float4 {
  float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
namespace bvhost {
void misaligned(const char* op, const void* p);
// A vector access of `bytes` to element (r, c) of a shared array that is not aligned that far: the
// array is not declared aligned (BV_SHARED2A), or the element's offset in it is not a multiple.
void misaligned_shared(const char* op, const char* name, long r, long c, long cols, bool declared, int bytes);
// A WMMA load or store whose pointer is not 32-byte aligned (p, when global) or whose ldm is not a
// multiple of 4 floats.
void wmma_misaligned(const char* op, const void* p, unsigned ldm);
// Checks an access of `bytes` (16 or 32) starting at element (r, c) of shared array s, as the GPU's
// alignment rule for it: the array's base is aligned only when declared with BV_SHARED2A.
template <class S>
inline void shared_aligned(const S& s, long r, long c, int bytes, const char* op) {
  const long per = bytes / 4;
  if (!S::aligned || (r * S::cols + c) % per != 0) misaligned_shared(op, s.name, r, c, S::cols, S::aligned, bytes);
}
inline float4 ld4(const float* p) {
  if ((reinterpret_cast<uintptr_t>(p) & 15) != 0) misaligned("128-bit global load", p);
  return float4{p[0], p[1], p[2], p[3]};
}
inline void st4(float* p, float4 v) {
  if ((reinterpret_cast<uintptr_t>(p) & 15) != 0) misaligned("128-bit global store", p);
  p[0] = v.x;
  p[1] = v.y;
  p[2] = v.z;
  p[3] = v.w;
}
template <class S>
inline float4 lds4(S& s, long r, long c, const char* name) {
  shared_aligned(s, r, c, 16, name);
  return float4{s[r][c], s[r][c + 1], s[r][c + 2], s[r][c + 3]};
}
template <class S>
inline void sts4(S& s, long r, long c, float4 v, const char* name) {
  shared_aligned(s, r, c, 16, name);
  s[r][c] = v.x;
  s[r][c + 1] = v.y;
  s[r][c + 2] = v.z;
  s[r][c + 3] = v.w;
}
}  // namespace bvhost
#define BV_LD4(p) ::bvhost::ld4(p)
#define BV_LDW4(p) ::bvhost::ld4(p)
#define BV_ST4(p, v) ::bvhost::st4((p), (v))
#define BV_LDS4(name, r, c) ::bvhost::lds4((name), (r), (c), "128-bit shared load of " #name)
#define BV_STS4(name, r, c, v) ::bvhost::sts4((name), (r), (c), (v), "128-bit shared store to " #name)

// cp.async (BV_CP_ASYNC4 and friends in common.cuh). A copy reads its source when it starts (the
// kernels' inputs do not change during a launch) but writes shared memory only when its thread waits
// for its group: the latest moment the GPU allows, so a kernel that reads a buffer before waiting, or
// waits for too few groups, reads stale data here on every run. memcheck checks the destination when
// the copy starts; racecheck sees the landing write, made by the issuing thread in the epoch of its
// wait. A thread's copies never waited for are dropped at the end of its block.
namespace bvhost {
struct AsyncSlot {  // one float of a copy: where it lands (a SharedRef's fields) and its value
  float* p;
  SharedMeta* m;
  const char* name;
  long i, j;
  float v;
};
void cp_async_issue(const AsyncSlot (&slots)[4]);
void cp_async_commit();
void cp_async_wait(int n);
template <class S>
inline void cp_async4(S& s, long r, long c, const float* src, int n, const char* name) {
  if ((reinterpret_cast<uintptr_t>(src) & 15) != 0) misaligned("cp.async 16-byte copy from global memory", src);
  shared_aligned(s, r, c, 16, name);
  AsyncSlot slots[4];
  for (int q = 0; q < 4; q++) {
    const SharedRef<float> ref = s[r][c + q];
    slots[q] = AsyncSlot{ref.p, ref.m, ref.name, ref.i, ref.j, q < n ? src[q] : 0.f};
  }
  cp_async_issue(slots);
}
}  // namespace bvhost
#define BV_CP_ASYNC4(name, r, c, src, n) ::bvhost::cp_async4((name), (r), (c), (src), (n), "cp.async to " #name)
#define BV_CP_ASYNC_COMMIT() ::bvhost::cp_async_commit()
#define BV_CP_ASYNC_WAIT(N) ::bvhost::cp_async_wait(N)

// Atomics: plain read-modify-write is atomic here, since fibers switch only at barriers.
template <class T>
inline T atomicAdd(T* p, T v) {
  T old = *p;
  *p = old + v;
  return old;
}
template <class T>
inline T atomicMax(T* p, T v) {
  T old = *p;
  if (v > old) *p = v;
  return old;
}
template <class T>
inline T atomicMin(T* p, T v) {
  T old = *p;
  if (v < old) *p = v;
  return old;
}
template <class T>
inline T atomicOr(T* p, T v) {
  T old = *p;
  *p = old | v;
  return old;
}
template <class T>
inline T atomicExch(T* p, T v) {
  T old = *p;
  *p = v;
  return old;
}
template <class T>
inline T atomicCAS(T* p, T compare, T v) {
  T old = *p;
  if (old == compare) *p = v;
  return old;
}

// Intrinsics and math functions beyond <math.h>.
inline unsigned int __umulhi(unsigned int a, unsigned int b) {
  return (unsigned int)(((unsigned long long)a * b) >> 32);
}
// g++ contracts no a·b + c into an fma on x86-64 unless asked to, so plain operators are already
// the separately rounded _rn operations.
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float a) { return expf(a); }
inline float __logf(float a) { return logf(a); }
inline float rsqrtf(float a) { return 1.f / sqrtf(a); }
inline float __saturatef(float a) { return a < 0.f ? 0.f : a > 1.f ? 1.f : a; }
inline unsigned int __float_as_uint(float f) { return bvhost::from_bits<unsigned int>(bvhost::to_bits(f)); }
inline float __uint_as_float(unsigned int u) { return bvhost::from_bits<float>(bvhost::to_bits(u)); }
template <class T>
inline T __ldg(const T* p) { return *p; }
// sin(πx) and cos(πx), evaluated in double so the float result is correctly rounded or nearly so,
// like CUDA's sincospif (1 ulp).
inline void sincospif(float x, float* s, float* c) {
  const double a = 3.14159265358979323846 * (double)x;
  *s = (float)sin(a);
  *c = (float)cos(a);
}
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }


// The WMMA API (nvcuda::wmma), the slice the TF32 kernels use: m16n16k8 fragments of
// precision::tf32 operands and float accumulators. On the GPU a fragment's elements are spread over
// the warp's lanes in an unspecified way. Here an operand fragment holds its whole tile in every
// lane (an mma needs full rows of A and columns of B), and accumulator element e of lane l is element
// l·E + e of the row-major tile (E = M·N/32), so the 32 lanes own disjoint outputs as on the GPU and
// a store writes each element once. mma_sync uses the operands' top 19 bits, as the tensor cores do,
// and adds the K products to the accumulator in ascending k with one fused multiply-add each (the
// CPU engine's TF32 order); the GPU's tensor cores accumulate in an order of their own, within the
// stated TF32 tolerance of that.
namespace nvcuda {
namespace wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision {
struct tf32 {};
}  // namespace precision
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K>
struct shape;
template <int M, int N, int K>
struct shape<matrix_a, M, N, K> {
  static constexpr int R = M, C = K;
};
template <int M, int N, int K>
struct shape<matrix_b, M, N, K> {
  static constexpr int R = K, C = N;
};
template <int M, int N, int K>
struct shape<accumulator, M, N, K> {
  static constexpr int R = M, C = N;
};

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
  static constexpr int R = shape<Use, M, N, K>::R, C = shape<Use, M, N, K>::C;
  static constexpr bool accumulates = std::is_same<Use, accumulator>::value;
  static constexpr int num_elements = accumulates ? R * C / 32 : R * C;
  float x[num_elements];
};

// cvt.rna.tf32.f32: round to 10 mantissa bits, to nearest, ties away from zero; NaN and ±∞ stay.
inline float __float_to_tf32(float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
  memcpy(&v, &u, 4);
  return v;
}

inline float tf32_bits(float v) {  // what a tensor core reads of an operand: its top 19 bits
  uint32_t u;
  memcpy(&u, &v, 4);
  u &= 0xffffe000u;
  memcpy(&v, &u, 4);
  return v;
}

template <class Use, int M, int N, int K, class T, class L>
inline void fill_fragment(fragment<Use, M, N, K, T, L>& f, float v) {
  for (int i = 0; i < f.num_elements; i++) f.x[i] = v;
}

// Element (r, c) of an operand tile stored with leading dimension ldm in `layout` order.
template <class L>
inline long operand_offset(long r, long c, unsigned ldm) {
  return std::is_same<L, col_major>::value ? c * (long)ldm + r : r * (long)ldm + c;
}

// WMMA's rule: the pointer 256-bit aligned, ldm a multiple of 16 bytes (4 floats).
inline void wmma_check(const char* op, const float* p, unsigned ldm) {
  if ((reinterpret_cast<uintptr_t>(p) & 31) != 0 || ldm % 4 != 0) ::bvhost::wmma_misaligned(op, p, ldm);
}
template <class S>
inline void wmma_check(const char* op, const S& p, unsigned ldm) {
  ::bvhost::shared_aligned(*p.s, p.r, p.c, 32, op);
  if (ldm % 4 != 0) ::bvhost::wmma_misaligned(op, nullptr, ldm);
}

template <class Use, int M, int N, int K, class T, class L>
inline void load_matrix_sync(fragment<Use, M, N, K, T, L>& f, const float* p, unsigned ldm) {
  wmma_check("wmma::load_matrix_sync", p, ldm);
  using F = fragment<Use, M, N, K, T, L>;
  for (int r = 0; r < F::R; r++)
    for (int c = 0; c < F::C; c++) f.x[r * F::C + c] = p[operand_offset<L>(r, c, ldm)];
}

template <class Use, int M, int N, int K, class T, class L, class S>
inline void load_matrix_sync(fragment<Use, M, N, K, T, L>& f, S p, unsigned ldm) {
  wmma_check("wmma::load_matrix_sync", p, ldm);
  using F = fragment<Use, M, N, K, T, L>;
  for (int r = 0; r < F::R; r++)
    for (int c = 0; c < F::C; c++) {
      const long off = operand_offset<L>(r, c, ldm);
      const long cols = sizeof(p.s->data[0]) / sizeof(p.s->data[0][0]);
      const long flat = p.r * cols + p.c + off;
      f.x[r * F::C + c] = (*p.s)[flat / cols][flat % cols];
    }
}

template <int M, int N, int K, class T>
inline void mma_sync(fragment<accumulator, M, N, K, T>& d, const fragment<matrix_a, M, N, K, precision::tf32, row_major>& a,
                     const fragment<matrix_b, M, N, K, precision::tf32, row_major>& b,
                     const fragment<accumulator, M, N, K, T>& c) {
  constexpr int E = M * N / 32;
  const int lane = ::bvhost::lane_id() & 31;
  for (int e = 0; e < E; e++) {
    const int idx = lane * E + e, m = idx / N, n = idx % N;
    float s = c.x[e];
    for (int k = 0; k < K; k++) s = fmaf(tf32_bits(a.x[m * K + k]), tf32_bits(b.x[k * N + n]), s);
    d.x[e] = s;
  }
}

template <int M, int N, int K, class T>
inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout) {
  wmma_check("wmma::store_matrix_sync", p, ldm);
  constexpr int E = M * N / 32;
  const int lane = ::bvhost::lane_id() & 31;
  for (int e = 0; e < E; e++) {
    const int idx = lane * E + e, m = idx / N, n = idx % N;
    p[layout == mem_col_major ? n * (long)ldm + m : m * (long)ldm + n] = f.x[e];
  }
}

template <int M, int N, int K, class T, class S>
inline void store_matrix_sync(S p, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout) {
  wmma_check("wmma::store_matrix_sync", p, ldm);
  constexpr int E = M * N / 32;
  const int lane = ::bvhost::lane_id() & 31;
  const long cols = sizeof(p.s->data[0]) / sizeof(p.s->data[0][0]);
  for (int e = 0; e < E; e++) {
    const int idx = lane * E + e, m = idx / N, n = idx % N;
    const long off = layout == mem_col_major ? n * (long)ldm + m : m * (long)ldm + n;
    const long flat = p.r * cols + p.c + off;
    (*p.s)[flat / cols][flat % cols] = f.x[e];
  }
}
}  // namespace wmma
}  // namespace nvcuda
