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
  void operator()(unsigned int mask = 0xffffffffu) const { warp_exchange(0, mask, site); }
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
// epoch; a write and another thread's access between the same two __syncthreads is a hazard.
namespace bvhost {
struct SharedMeta {
  unsigned long long w_epoch = 0, r_epoch = 0;
  int w_tid = -1, r_tid = -1;  // r_tid −2: several readers in r_epoch
};
// Element (i, j) of the named array (j < 0 for a 1-D array); the text of a finding is built only
// when there is one, so a checked access costs a few comparisons.
void shared_read(SharedMeta& m, const char* name, long i, long j);
void shared_write(SharedMeta& m, const char* name, long i, long j);
void shared_out_of_bounds(const char* name, long i, long j, long rows, long cols);
bool shared_tracking();

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

template <class T, long R, long C>
struct Shared2 {
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
};
}  // namespace bvhost

#define BV_SHARED(T, name, N) static ::bvhost::Shared1<T, (N)> name(#name)
#define BV_SHARED2(T, name, R, C) static ::bvhost::Shared2<T, (R), (C)> name(#name)

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
