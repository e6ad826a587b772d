// JNI library behind io.github.betavae.backend.cuda.HostDevice: host memory standing in for device
// memory, and kernel launches by name through a registry of every kernel in kernels/all.cu, each
// run by the fiber harness (harness.cpp).
//
// Kernel arguments arrive as two arrays: one type tag per argument ('p' pointer as a 64-bit
// address, 'i' int32, 'l' int64, 'f' float32 in the low 32 bits) and one 64-bit slot per argument.
// The registry derives each kernel's tags from its C++ signature, so a mismatch in count or type is
// reported by name instead of corrupting memory.
#include <jni.h>
#include <stdlib.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"
#include "../all.cu"
#include "selftest.cu"

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
      BV_KERNEL(dense_forward_kernel1),   BV_KERNEL(dense_backward_kernel1), BV_KERNEL(dense_backward_kernel2),
      BV_KERNEL(dense_backward_kernel3),  BV_KERNEL(dense_forward_kernel2),  BV_KERNEL(dense_forward_kernel3), BV_KERNEL(dense_forward_kernel4),
      BV_KERNEL(dense_backward_kernel4),  BV_KERNEL(dense_backward_kernel5),  BV_KERNEL(reparam_forward_kernel1), BV_KERNEL(reparam_backward_kernel1),
      BV_KERNEL(likelihood_forward_kernel1), BV_KERNEL(adam_step_kernel1),  BV_KERNEL(gather_forward_kernel1),
      BV_KERNEL(philox_uint32_kernel1),   BV_KERNEL(philox_normal_kernel1),
      BV_KERNEL(selftest_warp_kernel1),   BV_KERNEL(selftest_deadlock_kernel1),
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

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_io_github_betavae_backend_cuda_HostNative_alloc(JNIEnv* env, jclass, jlong bytes) {
  void* p = nullptr;
  // 256-byte alignment, as cuMemAlloc guarantees; zero-filled so runs are reproducible.
  const size_t n = bytes > 0 ? (size_t)bytes : 1;
  if (posix_memalign(&p, 256, (n + 255) / 256 * 256) != 0) {
    throw_java(env, "java/lang/OutOfMemoryError", "host device: could not allocate " + std::to_string(bytes) + " bytes");
    return 0;
  }
  memset(p, 0, n);
  return (jlong)(uintptr_t)p;
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_free(JNIEnv*, jclass, jlong ptr) {
  free((void*)(uintptr_t)ptr);
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_copyIn(JNIEnv* env, jclass, jlong dst,
                                                                             jobject array, jlong off, jlong bytes) {
  void* a = env->GetPrimitiveArrayCritical((jarray)array, nullptr);
  if (!a) return;
  memcpy((void*)(uintptr_t)dst, (char*)a + off, (size_t)bytes);
  env->ReleasePrimitiveArrayCritical((jarray)array, a, JNI_ABORT);
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_copyOut(JNIEnv* env, jclass, jlong src,
                                                                              jobject array, jlong off, jlong bytes) {
  void* a = env->GetPrimitiveArrayCritical((jarray)array, nullptr);
  if (!a) return;
  memcpy((char*)a + off, (const void*)(uintptr_t)src, (size_t)bytes);
  env->ReleasePrimitiveArrayCritical((jarray)array, a, 0);
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_copyDevice(JNIEnv*, jclass, jlong dst,
                                                                                 jlong src, jlong bytes) {
  memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, (size_t)bytes);
}

JNIEXPORT void JNICALL Java_io_github_betavae_backend_cuda_HostNative_memsetD32(JNIEnv*, jclass, jlong dst,
                                                                                jint bits, jlong count) {
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
  std::string err;
  {
    std::lock_guard<std::mutex> hold(g_launch_lock);
    Job job{k, args.data()};
    err = bvhost::run_grid(dim3(gx, gy, gz), dim3(bx, by, bz), run_job, &job);
  }
  if (!err.empty()) {
    throw_java(env, "java/lang/IllegalStateException",
               "launch " + name + " grid (" + std::to_string(gx) + "," + std::to_string(gy) + "," +
                   std::to_string(gz) + ") block (" + std::to_string(bx) + "," + std::to_string(by) + "," +
                   std::to_string(bz) + "): " + err);
  }
}

}  // extern "C"
