// The dense layer's forward product y = act(x·wᵀ + b), x (B,IN), w (OUT,IN), one numbered variant
// per kernel the library has for it, each checked against a CPU reference (double accumulation)
// and, on a GPU, timed. The kernels are the library's own (kernels/all.cu); only the launch
// geometry is repeated here, from DenseKernels.java.
//
//   1  dense_forward                        64×64 tiles, 4×4 outputs per thread
//   2  dense_forward_partial + _sum         the same tiles, K split in chunks (deterministic split-K)
//   3  dense_forward_128                    128×128 warp tiles, 8×8 per lane, 128-bit loads, double buffer
//   4  dense_forward_tf32                   WMMA TF32 tensor cores (checked against a TF32 reference)
//   0  cublasSgemm + dense_bias_act         the anchor, FP32 (GPU build; libcublas.so.12 loaded at run
//                                           time, so no cuBLAS headers are needed to build; skipped
//                                           with a line where the library is not found)
//
// On a GPU (check, then time; bench/cuda/build-gpu.sh builds it for sm_80 and sm_90):
//   nvcc -O3 -std=c++17 -arch=sm_90 -o dense_forward bench/cuda/dense_forward.cu -ldl
//   ./dense_forward [variant] [B IN OUT]         (variant -1, the default: all of them)
// On the host harness (check only; what CI runs, see bench/cuda/run-host.sh):
//   bench/cuda/run-host.sh dense_forward [variant] [B IN OUT]
//   with BETAVAE_SANITIZE=all (or a comma list of memcheck, synccheck, racecheck) the harness checks
//   shared-memory bounds, barrier and shuffle sites, and runs threads in a seeded random order
#include <stdio.h>
#include <stdlib.h>

#include <cmath>
#include <string>
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

void die(const std::string& what) {
  fprintf(stderr, "dense_forward: %s\n", what.c_str());
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

// cvt.rna.tf32.f32: keep 10 mantissa bits, round to nearest, ties away from zero.
float tf32(float v) {
  if (!std::isfinite(v)) return v;
  uint32_t u;
  memcpy(&u, &v, 4);
  u = (u + 0x1000u) & ~0x1fffu;
  memcpy(&v, &u, 4);
  return v;
}

struct Problem {
  int B, IN, OUT, act = BV_ACT_RELU;
  std::vector<float> x, w, b;
  float *dx, *dw, *db, *dy, *dpartial;
};

// act(x·wᵀ + b) in double, operands rounded to TF32 first when asked.
std::vector<double> reference(const Problem& p, bool round) {
  std::vector<double> y((size_t)p.B * p.OUT);
  for (int i = 0; i < p.B; i++) {
    for (int o = 0; o < p.OUT; o++) {
      double s = 0;
      for (int k = 0; k < p.IN; k++) {
        float a = p.x[(size_t)i * p.IN + k], c = p.w[(size_t)o * p.IN + k];
        s += (double)(round ? tf32(a) : a) * (round ? tf32(c) : c);
      }
      s += p.b[o];
      y[(size_t)i * p.OUT + o] = s > 0 ? s : 0;  // ReLU
    }
  }
  return y;
}

// Launches variant v once. False where the variant is not in this build.
bool run(int v, Problem& p) {
  const int B = p.B, IN = p.IN, OUT = p.OUT, act = p.act;
  switch (v) {
    case 1:
      launch(dense_forward, dim3(blocks(OUT, 64), blocks(B, 64)), dim3(256), p.dy, (const float*)p.dx,
             (const float*)p.dw, (const float*)p.db, B, IN, OUT, act);
      return true;
    case 2: {
      // at least two chunks, so the split path runs even where the library would not split
      int chunk = std::max(16, std::min(k_chunk(B, OUT, IN), (IN / 2 + 15) / 16 * 16)), splits = blocks(IN, chunk);
      launch(dense_forward_partial, dim3(blocks(OUT, 64), blocks(B, 64), splits), dim3(256), p.dpartial,
             (const float*)p.dx, (const float*)p.dw, B, IN, OUT, chunk);
      launch(dense_forward_sum, dim3(blocks(OUT, 256), B), dim3(256), p.dy, (const float*)p.dpartial,
             (const float*)p.db, B, OUT, splits, act);
      return true;
    }
    case 3: {
      int vec = (IN % 4 == 0 ? 1 | 2 : 0) | (OUT % 4 == 0 ? 4 : 0);  // cudaMalloc'd bases are 256-byte aligned
      launch(dense_forward_128, dim3(blocks(OUT, 128), blocks(B, 128)), dim3(256), p.dy, (const float*)p.dx,
             (const float*)p.dw, (const float*)p.db, B, IN, OUT, act, vec);
      return true;
    }
    case 4:
      launch(dense_forward_tf32, dim3(blocks(OUT, 64), blocks(B, 64)), dim3(128), p.dy, (const float*)p.dx,
             (const float*)p.dw, (const float*)p.db, B, IN, OUT, act);
      return true;
#ifdef __CUDACC__
    case 0: {
      // cuBLAS's C API by hand (handles are pointers, enums ints): CUBLAS_OP_N 0, CUBLAS_OP_T 1,
      // CUBLAS_PEDANTIC_MATH 2 (FP32, no TF32)
      typedef int (*create_t)(void**);
      typedef int (*mode_t_)(void*, int);
      typedef int (*sgemm_t)(void*, int, int, int, int, int, const float*, const float*, int, const float*, int,
                             const float*, float*, int);
      static void* handle = nullptr;
      static sgemm_t sgemm = nullptr;
      static bool tried = false;
      if (!tried) {
        tried = true;
        void* lib = dlopen("libcublas.so.12", RTLD_NOW);
        if (!lib) lib = dlopen("libcublas.so", RTLD_NOW);
        if (!lib) {
          printf("  0 cuBLAS: libcublas.so.12 not found on the loader path: no anchor\n");
          return false;
        }
        create_t create = (create_t)dlsym(lib, "cublasCreate_v2");
        mode_t_ mode = (mode_t_)dlsym(lib, "cublasSetMathMode");
        sgemm = (sgemm_t)dlsym(lib, "cublasSgemm_v2");
        if (!create || !mode || !sgemm || create(&handle) != 0 || mode(handle, 2) != 0) {
          printf("  0 cuBLAS: could not initialise cuBLAS: no anchor\n");
          sgemm = nullptr;
          return false;
        }
      }
      if (!sgemm) return false;
      const float one = 1.f, zero = 0.f;
      // y row-major (B,OUT) is yᵀ column-major (OUT,B) = w (OUT,IN) · xᵀ, i.e. op(A) = Aᵀ of the
      // column-major (IN,OUT) view of w, times the column-major (IN,B) view of x
      if (sgemm(handle, 1, 0, OUT, B, IN, &one, p.dw, IN, p.dx, IN, &zero, p.dy, OUT) != 0) die("cublasSgemm failed");
      launch(dense_bias_act, dim3(blocks(OUT, 256), B), dim3(256), p.dy, (const float*)p.db, B, OUT, act);
      return true;
    }
#endif
    default:
      return false;
  }
}

const char* name(int v) {
  switch (v) {
    case 0: return "cublasSgemm + dense_bias_act";
    case 1: return "dense_forward (64x64)";
    case 2: return "dense_forward_partial + _sum (split-K)";
    case 3: return "dense_forward_128 (warp tiles)";
    case 4: return "dense_forward_tf32 (WMMA)";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
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
  int only = argc > 1 ? atoi(argv[1]) : -1;
  Problem p;
  p.B = argc > 4 ? atoi(argv[2]) : 70;
  p.IN = argc > 4 ? atoi(argv[3]) : 1023;
  p.OUT = argc > 4 ? atoi(argv[4]) : 257;
  if (p.B < 1 || p.IN < 1 || p.OUT < 1) die("B, IN and OUT must be at least 1");
  srand(42);
  auto uniform = [](size_t n, float scale) {
    std::vector<float> a(n);
    for (auto& v : a) v = scale * (2.f * rand() / (float)RAND_MAX - 1.f);
    return a;
  };
  p.x = uniform((size_t)p.B * p.IN, 1.f);
  p.w = uniform((size_t)p.OUT * p.IN, 1.f / std::sqrt((float)p.IN));
  p.b = uniform(p.OUT, 0.1f);
  p.dx = device_floats(p.x.size());
  p.dw = device_floats(p.w.size());
  p.db = device_floats(p.b.size());
  p.dy = device_floats((size_t)p.B * p.OUT);
  p.dpartial = device_floats((size_t)32 * p.B * p.OUT);
  upload(p.dx, p.x);
  upload(p.dw, p.w);
  upload(p.db, p.b);
  std::vector<double> ref = reference(p, false), ref32 = reference(p, true);
  printf("dense forward, B=%d IN=%d OUT=%d, ReLU\n", p.B, p.IN, p.OUT);
  int failures = 0;
#ifdef __CUDACC__
  float cublas_ms = -1;
#endif
  for (int v = 0; v <= 4; v++) {
    if (only >= 0 && v != only) continue;
    if (!run(v, p)) continue;
    std::vector<float> y((size_t)p.B * p.OUT);
#ifdef __CUDACC__
    ok(cudaDeviceSynchronize(), "kernel");
#endif
    download(y, p.dy);
    // relative to the output's scale: the products' sums are O(1) here
    const std::vector<double>& r = v == 4 ? ref32 : ref;
    double worst = 0;
    for (size_t i = 0; i < y.size(); i++) worst = std::max(worst, std::fabs(y[i] - r[i]) / (1.0 + std::fabs(r[i])));
    double tol = v == 4 ? 1e-4 : 1e-5;
    bool pass = worst <= tol;
    failures += !pass;
    printf("  %d %-42s max rel err %.2e (tol %.0e) %s", v, name(v), worst, tol, pass ? "ok" : "FAIL");
#ifdef __CUDACC__
    cudaEvent_t t0, t1;
    cudaEventCreate(&t0);
    cudaEventCreate(&t1);
    for (int i = 0; i < 5; i++) run(v, p);
    const int reps = 50;
    cudaEventRecord(t0);
    for (int i = 0; i < reps; i++) run(v, p);
    cudaEventRecord(t1);
    ok(cudaEventSynchronize(t1), "timing");
    float ms = 0;
    cudaEventElapsedTime(&ms, t0, t1);
    ms /= reps;
    if (v == 0) cublas_ms = ms;
    printf("  %8.1f us  %7.1f GFLOP/s", ms * 1e3, 2.0 * p.B * p.IN * p.OUT / (ms * 1e-3) * 1e-9);
    if (cublas_ms > 0 && v != 0) printf("  %5.1f%% of cuBLAS", 100.0 * cublas_ms / ms);
#endif
    printf("\n");
  }
  return failures ? 1 : 0;
}
