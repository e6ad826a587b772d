// JNI library behind io.github.betavae.backend.cuda.HostDevice: host memory standing in for device
// memory, and kernel launches by name through a registry of every kernel in kernels/all.cu, each
// run by the fiber harness (harness.cpp).
//
// Kernel arguments arrive as two arrays: one type tag per argument ('p' pointer as a 64-bit
// address, 'i' int32, 'l' int64, 'd' float64, 'f' float32 in the low 32 bits) and one 64-bit slot per argument.
// The registry derives each kernel's tags from its C++ signature, so a mismatch in count or type is
// reported by name instead of corrupting memory.
#include <jni.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"
#include "../all.cu"
#include "selftest.cu"
#if __has_include("../../src/test/kernels/faults.cu")
#define BV_HAS_FAULTS 1
#include "../../src/test/kernels/faults.cu"
#endif

namespace {

template <class T>
struct Arg;
template <class T>
struct Arg<T*> {
  static constexpr char tag = 'p';
  static T* get(uint64_t v) { return reinterpret_cast<T*>((uintptr_t)v); }
};
template <>
struct Arg<int> {
  static constexpr char tag = 'i';
  static int get(uint64_t v) { return (int)(uint32_t)v; }
};
template <>
struct Arg<long long> {
  static constexpr char tag = 'l';
  static long long get(uint64_t v) { return (long long)v; }
};
template <>
struct Arg<double> {
  static constexpr char tag = 'd';
  static double get(uint64_t v) { return bvhost::from_bits<double>(v); }
};
template <>
struct Arg<float> {
  static constexpr char tag = 'f';
  static float get(uint64_t v) { return bvhost::from_bits<float>(v & 0xffffffffu); }
};

struct Kernel {
  const char* name;
  std::string tags;
  void (*invoke)(void* fn, const uint64_t* args);
  void* fn;
};

template <class... A, size_t... I>
void call(void (*fn)(A...), const uint64_t* v, std::index_sequence<I...>) {
  fn(Arg<A>::get(v[I])...);
}

template <class... A>
Kernel entry(const char* name, void (*fn)(A...)) {
  Kernel k;
  k.name = name;
  k.tags = std::string{Arg<A>::tag...};
  k.fn = (void*)fn;
  k.invoke = [](void* f, const uint64_t* v) {
    call(reinterpret_cast<void (*)(A...)>(f), v, std::index_sequence_for<A...>{});
  };
  return k;
}

#define BV_KERNEL(fn) entry(#fn, fn)

// Every extern "C" kernel of kernels/all.cu, plus the harness self-tests.
const std::vector<Kernel>& registry() {
  static const std::vector<Kernel> r = {
      BV_KERNEL(dense_forward), BV_KERNEL(dense_forward_128), BV_KERNEL(dense_forward_partial), BV_KERNEL(dense_forward_sum),
      BV_KERNEL(dense_bias_act), BV_KERNEL(dense_bias_grad), BV_KERNEL(dense_backward_dw), BV_KERNEL(dense_backward_dw_128),
      BV_KERNEL(dense_backward_dw_partial), BV_KERNEL(dense_backward_dw_sum), BV_KERNEL(dense_backward_dx),
      BV_KERNEL(dense_backward_dx_128), BV_KERNEL(dense_backward_dx_partial), BV_KERNEL(dense_backward_dx_sum),
      BV_KERNEL(conv_narrow), BV_KERNEL(conv_wide), BV_KERNEL(conv_wide_direct), BV_KERNEL(conv_kernel_grad),
      BV_KERNEL(conv_kernel_grad_partial), BV_KERNEL(conv_bias_grad), BV_KERNEL(conv_bias_grad_partial), BV_KERNEL(conv_narrow_tf32),
      BV_KERNEL(conv_wide_tf32), BV_KERNEL(conv_kernel_grad_tf32),
      BV_KERNEL(reparam_forward_kernel1), BV_KERNEL(reparam_backward_kernel1),
      BV_KERNEL(likelihood_forward_kernel1), BV_KERNEL(adam_step_kernel1),  BV_KERNEL(gather_forward_kernel1),
      BV_KERNEL(philox_uint32_kernel1),   BV_KERNEL(philox_normal_kernel1),  BV_KERNEL(finite_check_kernel1),
      BV_KERNEL(reparam_forward_kernel2), BV_KERNEL(reparam_backward_kernel2), BV_KERNEL(adam_step_kernel2),
      BV_KERNEL(objective_forward_kernel1), BV_KERNEL(step_advance_kernel1), BV_KERNEL(finite_record_kernel1),
      BV_KERNEL(gather_step_kernel1), BV_KERNEL(shuffle_kernel1), BV_KERNEL(gather_bits_kernel1), BV_KERNEL(gather_floats_kernel1),
      BV_KERNEL(dense_forward_tf32), BV_KERNEL(dense_backward_dx_tf32), BV_KERNEL(dense_backward_dw_tf32),
      BV_KERNEL(dense_forward_tf32_partial), BV_KERNEL(dense_backward_dx_tf32_partial),
      BV_KERNEL(dense_forward_tf32_wide), BV_KERNEL(dense_backward_dx_tf32_wide), BV_KERNEL(dense_backward_dw_tf32_wide),
      BV_KERNEL(dense_forward_128_partial), BV_KERNEL(dense_backward_dx_128_partial),
      BV_KERNEL(dense_backward_dw_128_partial), BV_KERNEL(dense_forward_128x64), BV_KERNEL(dense_backward_dw_128x64),
      BV_KERNEL(dense_backward_dx_128x64),
#ifdef BV_HAS_FAULTS
      BV_FAULT_KERNELS
#endif
      BV_KERNEL(selftest_warp_kernel1),   BV_KERNEL(selftest_deadlock_kernel1), BV_KERNEL(selftest_cp_async_kernel1),
      BV_KERNEL(selftest_align_kernel1),
  };
  return r;
}

std::mutex g_launch_lock;

struct Job {
  const Kernel* k;
  const uint64_t* args;
};

void run_job(void* p) {
  Job* j = (Job*)p;
  j->k->invoke(j->k->fn, j->args);
}

void throw_java(JNIEnv* env, const char* cls, const std::string& msg) {
  jclass c = env->FindClass(cls);
  if (c) env->ThrowNew(c, msg.c_str());
}

std::string tag_names(const std::string& tags) {
  std::string s;
  for (char t : tags) {
    if (!s.empty()) s += ", ";
    s += t == 'p' ? "pointer" : t == 'i' ? "int" : t == 'l' ? "long" : t == 'f' ? "float" : "?";
  }
  return "(" + s + ")";
}

// The sanitizer switches (HostDevice passes betavae.sanitize down through configure()).
constexpr int kMemcheck = 1, kInitcheck = 2, kRacecheck = 4, kSynccheck = 8;
int g_flags = 0;
uint32_t g_fill = 0;  // the 32-bit pattern fresh allocations are filled with (0 without initcheck)
constexpr unsigned char kCanary = 0xA5;
constexpr size_t kPage = 4096, kMemcheckAlign = 16;

// One device allocation. Under memcheck it has its own mapping: a PROT_NONE page on each side and
// the buffer placed flush against the upper one (to 16 bytes), so running past the end faults at
// once; the bytes between the lower guard and the buffer, and the up-to-15 bytes of slack after it,
// hold a canary that is checked after every launch that was given the buffer.
struct Region {
  char* map = nullptr;
  size_t map_len = 0;
  char* start = nullptr;
  size_t size = 0;
};
std::map<uintptr_t, Region> g_regions;  // by start address
std::mutex g_region_lock;

// The live allocation that holds [p, p + bytes), or nullptr.
const Region* region_of(uintptr_t p, size_t bytes) {
  auto it = g_regions.upper_bound(p);
  if (it == g_regions.begin()) return nullptr;
  --it;
  const Region& r = it->second;
  const uintptr_t s = (uintptr_t)r.start;
  if (p < s || p + bytes > s + r.size) return nullptr;
  return &r;
}

std::string hex_addr(uintptr_t p) {
  char b[32];
  snprintf(b, sizeof b, "0x%llx", (unsigned long long)p);
  return b;
}

// memcheck of a host-side access (copy, memset): the whole range must lie in one live allocation.
bool check_range(JNIEnv* env, const char* op, uintptr_t p, size_t bytes) {
  if (!(g_flags & kMemcheck)) return true;
  std::lock_guard<std::mutex> hold(g_region_lock);
  if (region_of(p, bytes)) return true;
  throw_java(env, "java/lang/IllegalArgumentException",
             std::string("memcheck: ") + op + " of " + std::to_string(bytes) + " bytes at " + hex_addr(p) +
                 " is not inside one live device allocation");
  return false;
}

// The first byte of r's canaries that is no longer the canary: offset from the buffer's start, or 0.
long long broken_canary(const Region& r) {
  const char* lo = r.map + kPage;
  for (const char* c = lo; c < r.start; c++) {
    if ((unsigned char)*c != kCanary) return (long long)(c - r.start);
  }
  const char* end = r.start + ((r.size + kMemcheckAlign - 1) / kMemcheckAlign) * kMemcheckAlign;
  for (const char* c = r.start + r.size; c < end; c++) {
    if ((unsigned char)*c != kCanary) return (long long)(c - r.start);
  }
  return 0;
}

}  // namespace

extern "C" {

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_configure(JNIEnv*, jclass, jint flags, jint fill,
                                                                                jlong seed) {
  g_flags = flags;
  g_fill = (flags & kInitcheck) ? (uint32_t)fill : 0;
  bvhost::g_checks.sync = (flags & kSynccheck) != 0;
  bvhost::g_checks.mem = (flags & kMemcheck) != 0;
  bvhost::g_checks.race = (flags & kRacecheck) != 0;
  bvhost::g_shared_tracking = bvhost::g_checks.race;
  bvhost::g_checks.seed = (unsigned long long)seed;
}

JNIEXPORT jlong JNICALL Java_io_github_betavae_backend_cuda_HostNative_alloc(JNIEnv* env, jclass, jlong bytes) {
  const size_t n = bytes > 0 ? (size_t)bytes : 1;
  Region r;
  r.size = n;
  if (g_flags & kMemcheck) {
    const size_t data = (n + kMemcheckAlign - 1) / kMemcheckAlign * kMemcheckAlign;
    const size_t pages = (data + kPage - 1) / kPage;
    r.map_len = (pages + 2) * kPage;
    void* m = mmap(nullptr, r.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      throw_java(env, "java/lang/OutOfMemoryError", "host device: could not map " + std::to_string(bytes) + " bytes");
      return 0;
    }
    r.map = (char*)m;
    mprotect(r.map, kPage, PROT_NONE);
    mprotect(r.map + (pages + 1) * kPage, kPage, PROT_NONE);
    r.start = r.map + (pages + 1) * kPage - data;
    memset(r.map + kPage, kCanary, pages * kPage);
  } else {
    void* p = nullptr;
    // 256-byte alignment, as cuMemAlloc guarantees.
    if (posix_memalign(&p, 256, (n + 255) / 256 * 256) != 0) {
      throw_java(env, "java/lang/OutOfMemoryError", "host device: could not allocate " + std::to_string(bytes) + " bytes");
      return 0;
    }
    r.start = (char*)p;
  }
  // Zero without initcheck, so plain runs are reproducible; with it, a poison pattern (cuMemAlloc
  // promises nothing), so a kernel that reads what nobody wrote shows it in its output.
  if (g_fill == 0) {
    memset(r.start, 0, n);
  } else {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) memcpy(r.start + i, &g_fill, 4);
    for (; i < n; i++) r.start[i] = (char)(g_fill >> (8 * (i % 4)));
  }
  std::lock_guard<std::mutex> hold(g_region_lock);
  g_regions[(uintptr_t)r.start] = r;
  return (jlong)(uintptr_t)r.start;
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_free(JNIEnv*, jclass, jlong ptr) {
  std::lock_guard<std::mutex> hold(g_region_lock);
  auto it = g_regions.find((uintptr_t)ptr);
  if (it == g_regions.end()) return;
  if (it->second.map) munmap(it->second.map, it->second.map_len);
  else free(it->second.start);
  g_regions.erase(it);
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_copyIn(JNIEnv* env, jclass, jlong dst,
                                                                             jobject array, jlong off, jlong bytes) {
  if (!check_range(env, "copyIn", (uintptr_t)dst, (size_t)bytes)) return;
  void* a = env->GetPrimitiveArrayCritical((jarray)array, nullptr);
  if (!a) return;
  memcpy((void*)(uintptr_t)dst, (char*)a + off, (size_t)bytes);
  env->ReleasePrimitiveArrayCritical((jarray)array, a, JNI_ABORT);
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_copyOut(JNIEnv* env, jclass, jlong src,
                                                                              jobject array, jlong off, jlong bytes) {
  if (!check_range(env, "copyOut", (uintptr_t)src, (size_t)bytes)) return;
  void* a = env->GetPrimitiveArrayCritical((jarray)array, nullptr);
  if (!a) return;
  memcpy((char*)a + off, (const void*)(uintptr_t)src, (size_t)bytes);
  env->ReleasePrimitiveArrayCritical((jarray)array, a, 0);
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_copyDevice(JNIEnv* env, jclass, jlong dst,
                                                                                 jlong src, jlong bytes) {
  if (!check_range(env, "copyDevice source", (uintptr_t)src, (size_t)bytes)) return;
  if (!check_range(env, "copyDevice destination", (uintptr_t)dst, (size_t)bytes)) return;
  memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, (size_t)bytes);
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_memsetD32(JNIEnv* env, jclass, jlong dst,
                                                                                jint bits, jlong count) {
  if (!check_range(env, "memsetD32", (uintptr_t)dst, (size_t)count * 4)) return;
  uint32_t* p = (uint32_t*)(uintptr_t)dst;
  for (jlong i = 0; i < count; i++) p[i] = (uint32_t)bits;
}

JNIEXPORT jobjectArray JNICALL Java_io_github_betavae_backend_cuda_HostNative_kernels(JNIEnv* env, jclass) {
  const std::vector<Kernel>& r = registry();
  jobjectArray out = env->NewObjectArray((jsize)r.size(), env->FindClass("java/lang/String"), nullptr);
  for (size_t i = 0; i < r.size(); i++) {
    std::string s = std::string(r[i].name) + ":" + r[i].tags;
    env->SetObjectArrayElement(out, (jsize)i, env->NewStringUTF(s.c_str()));
  }
  return out;
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_launch(
    JNIEnv* env, jclass, jstring jname, jint gx, jint gy, jint gz, jint bx, jint by, jint bz, jint shared,
    jbyteArray jtags, jlongArray jvalues) {
  const char* cname = env->GetStringUTFChars(jname, nullptr);
  const std::string name(cname);
  env->ReleaseStringUTFChars(jname, cname);
  const Kernel* k = nullptr;
  for (const Kernel& e : registry()) {
    if (name == e.name) k = &e;
  }
  if (!k) {
    throw_java(env, "java/lang/IllegalArgumentException",
               "launch " + name + ": no such kernel in the host kernel library");
    return;
  }
  const jsize n = env->GetArrayLength(jtags);
  std::string tags(n, ' ');
  env->GetByteArrayRegion(jtags, 0, n, (jbyte*)&tags[0]);
  if (tags != k->tags) {
    throw_java(env, "java/lang/IllegalArgumentException",
               "launch " + name + ": expected " + std::to_string(k->tags.size()) + " arguments " +
                   tag_names(k->tags) + " but found " + std::to_string(tags.size()) + " " + tag_names(tags));
    return;
  }
  if (shared != 0) {
    throw_java(env, "java/lang/IllegalArgumentException",
               "launch " + name + ": expected 0 bytes of dynamic shared memory but found " + std::to_string(shared) +
                   " (the kernels declare their shared memory statically)");
    return;
  }
  std::vector<uint64_t> args(n);
  env->GetLongArrayRegion(jvalues, 0, n, (jlong*)args.data());
  if (gx < 1 || gy < 1 || gz < 1 || bx < 1 || by < 1 || bz < 1) {
    throw_java(env, "java/lang/IllegalArgumentException",
               "launch " + name + ": grid and block sizes must be ≥ 1");
    return;
  }
  std::vector<const Region*> given;  // memcheck: the allocation behind each pointer argument
  if (g_flags & kMemcheck) {
    std::lock_guard<std::mutex> hold(g_region_lock);
    for (jsize i = 0; i < n; i++) {
      if (tags[i] != 'p' || args[i] == 0) continue;  // null: an optional buffer the kernel does not touch
      const Region* r = region_of((uintptr_t)args[i], 0);
      if (!r) {
        throw_java(env, "java/lang/IllegalArgumentException",
                   "memcheck: launch " + name + ": argument " + std::to_string(i) + " (pointer " +
                       hex_addr((uintptr_t)args[i]) + ") is not inside any live device allocation");
        return;
      }
      given.push_back(r);
    }
  }
  std::string err;
  {
    std::lock_guard<std::mutex> hold(g_launch_lock);
    Job job{k, args.data()};
    err = bvhost::run_grid(dim3(gx, gy, gz), dim3(bx, by, bz), run_job, &job);
  }
  for (const Region* r : given) {
    const long long at = r->map ? broken_canary(*r) : 0;
    if (at != 0 && err.empty()) {
      err = "memcheck: wrote outside the buffer of " + std::to_string(r->size) + " bytes at " +
            hex_addr((uintptr_t)r->start) + ", first at byte offset " + std::to_string(at);
    }
  }
  if (!err.empty()) {
    throw_java(env, "java/lang/IllegalStateException",
               "launch " + name + " grid (" + std::to_string(gx) + "," + std::to_string(gy) + "," +
                   std::to_string(gz) + ") block (" + std::to_string(bx) + "," + std::to_string(by) + "," +
                   std::to_string(bz) + "): " + err);
  }
}

}  // extern "C"
