// What bench/cuda's variant programs share: device memory and kernel launches that work both under
// nvcc on a GPU and under g++ on the host-execution harness (kernels/host), the TF32 rounding of the
// references, cuBLAS loaded at run time, the harness's checks from BETAVAE_SANITIZE, and the
// check-then-time loop. Include it once, from the program, after defining bv_program.
#pragma once
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#ifdef __CUDACC__
#include <cuda_runtime.h>
#include <dlfcn.h>
#else
#include "harness.h"
#endif

#include "../../kernels/all.cu"

namespace {

// body(i) for every i in [0, n), spread over the host's cores: the double-precision references of
// the model's products are most of a program's run (seconds each at batch 1024 on one core).
template <class F>
void parallel_for(int n, F body) {
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; t++)
    pool.emplace_back([&] {
      for (int i; (i = next++) < n;) body(i);
    });
  for (std::thread& t : pool) t.join();
}

void die(const std::string& what) {
  fprintf(stderr, "%s: %s\n", bv_program, what.c_str());
  exit(1);
}

#ifdef __CUDACC__
void ok(cudaError_t e, const char* what) {
  if (e != cudaSuccess) die(std::string(what) + ": " + cudaGetErrorString(e));
}
float* device_floats(size_t n) {
  float* p = nullptr;
  ok(cudaMalloc(&p, n * sizeof(float)), "cudaMalloc");
  return p;
}
void upload(float* d, const std::vector<float>& h) {
  ok(cudaMemcpy(d, h.data(), h.size() * sizeof(float), cudaMemcpyHostToDevice), "upload");
}
void download(std::vector<float>& h, const float* d) {
  ok(cudaMemcpy(h.data(), d, h.size() * sizeof(float), cudaMemcpyDeviceToHost), "download");
}
template <class... P, class... A>
void launch(void (*k)(P...), dim3 grid, dim3 block, A... args) {
  k<<<grid, block>>>(args...);
  ok(cudaGetLastError(), "launch");
}
#else
// The harness runs a launch on the calling thread: the same kernel source, blocks one after another.
float* device_floats(size_t n) {
  float* p = (float*)aligned_alloc(16, ((n * sizeof(float) + 15) / 16) * 16);
  if (!p) die("out of memory");
  return p;
}
void upload(float* d, const std::vector<float>& h) { memcpy(d, h.data(), h.size() * sizeof(float)); }
void download(std::vector<float>& h, const float* d) { memcpy(h.data(), d, h.size() * sizeof(float)); }
template <class... P, class... A>
void launch(void (*k)(P...), dim3 grid, dim3 block, A... args) {
  struct Call {
    void (*k)(P...);
    std::tuple<P...> args;
  } call{k, std::tuple<P...>(args...)};
  std::string err = bvhost::run_grid(grid, block, [](void* c) {
    Call* x = static_cast<Call*>(c);
    std::apply(x->k, x->args);
  }, &call);
  if (!err.empty()) die("harness: " + err);
}
#endif

int blocks(int n, int tile) { return (n + tile - 1) / tile; }

// DenseKernels.kChunk: split K so a small output grid still has about 256 blocks.
int k_chunk(int m, int n, int k) {
  long tiles = (long)blocks(m, 64) * blocks(n, 64);
  if (tiles >= 256 || k < 512) return k;
  long s = std::min(std::min((256 + tiles - 1) / tiles, (long)k / 256), 32L);
  if (s < 2) return k;
  int chunk = (int)((k + s - 1) / s);
  return (chunk + 15) / 16 * 16;
}

// The K chunk for the 128×128 split-K variants: at least two chunks of at least 256 terms where K
// allows, about 256 blocks in all, a multiple of 16.
int k_chunk128(int m, int n, int k) {
  long tiles = (long)blocks(m, 128) * blocks(n, 128);
  long s = std::min(32L, std::max(2L, std::min((long)k / 256, (256 + tiles - 1) / tiles)));
  int chunk = (int)((k + s - 1) / s);
  return std::max(16, (chunk + 15) / 16 * 16);
}

// cvt.rna.tf32.f32: keep 10 mantissa bits, round to nearest, ties away from zero.
float tf32(float v) {
  if (!std::isfinite(v)) return v;
  uint32_t u;
  memcpy(&u, &v, 4);
  u = (u + 0x1000u) & ~0x1fffu;
  memcpy(&v, &u, 4);
  return v;
}

// cuBLAS's sgemm (libcublas.so.12, else .so.13, whose C API is the same), loaded on first use (FP32: CUBLAS_PEDANTIC_MATH); null where it is not
// found, after one line saying so. Handles are pointers and enums ints in cuBLAS's C API:
// CUBLAS_OP_N 0, CUBLAS_OP_T 1.
#ifdef __CUDACC__
typedef int (*bv_sgemm_t)(void*, int, int, int, int, int, const float*, const float*, int, const float*, int,
                          const float*, float*, int);
void* g_cublas = nullptr;
bv_sgemm_t cublas_sgemm() {
  static bv_sgemm_t sgemm = nullptr;
  static bool tried = false;
  if (tried) return sgemm;
  tried = true;
  void* lib = dlopen("libcublas.so.12", RTLD_NOW);
  if (!lib) lib = dlopen("libcublas.so.13", RTLD_NOW);
  if (!lib) lib = dlopen("libcublas.so", RTLD_NOW);
  if (!lib) {
    printf("  cuBLAS: neither libcublas.so.12 nor .so.13 on the loader path: no anchor\n");
    return nullptr;
  }
  typedef int (*create_t)(void**);
  typedef int (*mode_t_)(void*, int);
  create_t create = (create_t)dlsym(lib, "cublasCreate_v2");
  mode_t_ mode = (mode_t_)dlsym(lib, "cublasSetMathMode");
  bv_sgemm_t s = (bv_sgemm_t)dlsym(lib, "cublasSgemm_v2");
  if (!create || !mode || !s || create(&g_cublas) != 0 || mode(g_cublas, 2) != 0) {
    printf("  cuBLAS: could not initialise it: no anchor\n");
    return nullptr;
  }
  return sgemm = s;
}
#endif

// BETAVAE_SANITIZE=all, or a comma list of memcheck, synccheck, racecheck: the harness's checks.
void sanitize_from_environment() {
#ifndef __CUDACC__
  if (const char* san = getenv("BETAVAE_SANITIZE")) {
    std::string s = std::string(",") + san + ",";
    bool all = s.find(",all,") != std::string::npos;
    bvhost::g_checks.mem = all || s.find(",memcheck,") != std::string::npos;
    bvhost::g_checks.sync = all || s.find(",synccheck,") != std::string::npos;
    bvhost::g_checks.race = all || s.find(",racecheck,") != std::string::npos;
    bvhost::g_checks.seed = 7;
    printf("harness checks:%s%s%s\n", bvhost::g_checks.mem ? " memcheck" : "", bvhost::g_checks.sync ? " synccheck" : "",
           bvhost::g_checks.race ? " racecheck" : "");
  }
#endif
}

// The command line every program takes: [variant] [B IN OUT]; variant −1 (the default) runs all.
struct Args {
  int variant = -1, B = 70, IN = 1023, OUT = 257;
};
Args parse_args(int argc, char** argv) {
  Args a;
  if (argc == 3 || argc == 4 || argc > 5) die("usage: [variant] [B IN OUT] (give B, IN and OUT together)");
  if (argc > 1) a.variant = atoi(argv[1]);
  if (argc == 5) {
    a.B = atoi(argv[2]);
    a.IN = atoi(argv[3]);
    a.OUT = atoi(argv[4]);
  }
  if (a.B < 1 || a.IN < 1 || a.OUT < 1) die("B, IN and OUT must be whole numbers ≥ 1");
  return a;
}

// A device copy of h.
float* to_device(const std::vector<float>& h) {
  float* d = device_floats(h.size());
  upload(d, h);
  return d;
}

std::vector<float> uniform(size_t n, float scale) {
  std::vector<float> a(n);
  for (auto& v : a) v = scale * (2.f * rand() / (float)RAND_MAX - 1.f);
  return a;
}

// Largest |got − ref| / (1 + |ref|): the products here are O(1).
double max_rel_err(const std::vector<float>& got, const std::vector<double>& ref) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); i++) worst = std::max(worst, std::fabs(got[i] - ref[i]) / (1.0 + std::fabs(ref[i])));
  return worst;
}

// Prints one variant's check line and, on a GPU, its time (50 launches after 5 warm-up ones, each
// through launch_once), GFLOP/s for `flops` per launch, and its share of the anchor's time when
// anchor_ms > 0. Returns the time per launch in ms (0 on the harness); counts a failed check.
template <class F>
float report(int v, const char* name, double err, double tol, double flops, float anchor_ms, int& failures, F launch_once) {
  bool pass = err <= tol;
  failures += !pass;
  printf("  %d %-44s max rel err %.2e (tol %.0e) %s", v, name, err, tol, pass ? "ok" : "FAIL");
  float ms = 0;
#ifdef __CUDACC__
  cudaEvent_t t0, t1;
  cudaEventCreate(&t0);
  cudaEventCreate(&t1);
  for (int i = 0; i < 5; i++) launch_once();
  const int reps = 50;
  cudaEventRecord(t0);
  for (int i = 0; i < reps; i++) launch_once();
  cudaEventRecord(t1);
  ok(cudaEventSynchronize(t1), "timing");
  cudaEventElapsedTime(&ms, t0, t1);
  ms /= reps;
  printf("  %8.1f us  %7.1f GFLOP/s", ms * 1e3, flops / (ms * 1e-3) * 1e-9);
  if (anchor_ms > 0) printf("  %5.1f%% of cuBLAS", 100.0 * anchor_ms / ms);
#else
  (void)flops;
  (void)anchor_ms;
  (void)launch_once;
#endif
  printf("\n");
  return ms;
}

void sync_device() {
#ifdef __CUDACC__
  ok(cudaDeviceSynchronize(), "kernel");
#endif
}

}  // namespace
