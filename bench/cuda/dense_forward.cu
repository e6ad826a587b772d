// The dense layer's forward product y = act(x·wᵀ + b), x (B,IN), w (OUT,IN), one numbered variant
// per kernel the library has for it, each checked against a CPU reference (double accumulation)
// and, on a GPU, timed. The kernels are the library's own (kernels/all.cu); only the launch
// geometry is repeated here, from DenseKernels.java.
//
//   1  dense_forward                        64×64 tiles, 4×4 outputs per thread
//   2  dense_forward_partial + _sum         the same tiles, K split in chunks (deterministic split-K)
//   3  dense_forward_128                    128×128 warp tiles, 8×8 per lane, 128-bit loads, double buffer
//   4  dense_forward_tf32                   WMMA TF32 tensor cores (checked against a TF32 reference)
//   5  dense_forward_tf32_partial + _sum    the same, K split in chunks as 2
//   6  dense_forward_tf32_wide              WMMA, 128×64 tiles of 8 warps, 128-bit loads, double buffer
//   7  dense_forward_128_partial + _sum     3's tiles, K split in chunks (for grids under one wave)
//   8  dense_forward_tf32_wide, register-staged: 6 as it was before cp.async (x through registers)
//   9  dense_forward_128x64                 3 on 128×64 tiles (twice the tiles, for grids that fill few waves)
//  10  dense_forward_128x64, three blocks an SM: 9 under __launch_bounds__(256, 3) (80 registers, no spill)
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
static const char* bv_program = "dense_forward";
#include "variants.cuh"

// Variant 8, from the library's kernel body: every operand through registers into shared memory.
__global__ void __launch_bounds__(256) dense_forward_tf32_wide_staged(float* y, const float* x, const float* w,
                                                                      const float* b, int B, int IN, int OUT, int act,
                                                                      int vec) {
  bv_forward_tf32_wide<false>(y, x, w, b, B, IN, OUT, act, vec);
}

// Variant 10: the library's 128×64 forward held to 80 registers, so three blocks fit a multiprocessor.
__global__ void __launch_bounds__(256, 3) dense_forward_128x64_3(float* y, const float* x, const float* w,
                                                                  const float* b, int B, int IN, int OUT, int act,
                                                                  int vec) {
  bv_forward_wide<64>(y, x, w, b, B, IN, OUT, act, vec);
}

namespace {

struct Problem {
  int B, IN, OUT, act = BV_ACT_RELU;
  std::vector<float> x, w, b;
  float *dx, *dw, *db, *dy, *dpartial;
};

// act(x·wᵀ + b) in double, operands rounded to TF32 first when asked; rows spread over the host's cores.
std::vector<double> reference(const Problem& p, bool round) {
  std::vector<double> y((size_t)p.B * p.OUT);
  parallel_for(p.B, [&](int i) {
    for (int o = 0; o < p.OUT; o++) {
      double s = 0;
      for (int k = 0; k < p.IN; k++) {
        float a = p.x[(size_t)i * p.IN + k], c = p.w[(size_t)o * p.IN + k];
        s += (double)(round ? tf32(a) : a) * (round ? tf32(c) : c);
      }
      s += p.b[o];
      y[(size_t)i * p.OUT + o] = s > 0 ? s : 0;  // ReLU
    }
  });
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
    case 6:
    case 8: {
      int vec = IN % 4 == 0 ? 1 | 2 : 0;  // cudaMalloc'd bases are 256-byte aligned
      launch(v == 6 ? dense_forward_tf32_wide : dense_forward_tf32_wide_staged, dim3(blocks(OUT, 64), blocks(B, 128)), dim3(256), p.dy, (const float*)p.dx,
             (const float*)p.dw, (const float*)p.db, B, IN, OUT, act, vec);
      return true;
    }
    case 9:
    case 10: {
      int vec = (IN % 4 == 0 ? 1 | 2 : 0) | (OUT % 4 == 0 ? 4 : 0);
      launch(v == 9 ? dense_forward_128x64 : dense_forward_128x64_3, dim3(blocks(OUT, 64), blocks(B, 128)), dim3(256), p.dy, (const float*)p.dx,
             (const float*)p.dw, (const float*)p.db, B, IN, OUT, act, vec);
      return true;
    }
    case 7: {
      int chunk = k_chunk128(B, OUT, IN), splits = blocks(IN, chunk);
      int vec = (IN % 4 == 0 ? 1 | 2 : 0) | (OUT % 4 == 0 ? 4 : 0);
      launch(dense_forward_128_partial, dim3(blocks(OUT, 128), blocks(B, 128), splits), dim3(256), p.dpartial,
             (const float*)p.dx, (const float*)p.dw, B, IN, OUT, chunk, vec);
      launch(dense_forward_sum, dim3(blocks(OUT, 256), B), dim3(256), p.dy, (const float*)p.dpartial,
             (const float*)p.db, B, OUT, splits, act);
      return true;
    }
    case 5: {
      int chunk = std::max(16, std::min(k_chunk(B, OUT, IN), (IN / 2 + 15) / 16 * 16)), splits = blocks(IN, chunk);
      launch(dense_forward_tf32_partial, dim3(blocks(OUT, 64), blocks(B, 64), splits), dim3(128), p.dpartial,
             (const float*)p.dx, (const float*)p.dw, B, IN, OUT, chunk);
      launch(dense_forward_sum, dim3(blocks(OUT, 256), B), dim3(256), p.dy, (const float*)p.dpartial,
             (const float*)p.db, B, OUT, splits, act);
      return true;
    }
#ifdef __CUDACC__
    case 0: {
      bv_sgemm_t sgemm = cublas_sgemm();
      if (!sgemm) return false;
      const float one = 1.f, zero = 0.f;
      // y row-major (B,OUT) is yᵀ column-major (OUT,B) = w (OUT,IN) · xᵀ: op(A) = Aᵀ of the
      // column-major (IN,OUT) view of w, times the column-major (IN,B) view of x
      if (sgemm(g_cublas, 1, 0, OUT, B, IN, &one, p.dw, IN, p.dx, IN, &zero, p.dy, OUT) != 0) die("cublasSgemm failed");
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
    case 5: return "dense_forward_tf32_partial + _sum (WMMA, split-K)";
    case 6: return "dense_forward_tf32_wide (WMMA, 128x64)";
    case 7: return "dense_forward_128_partial + _sum (split-K)";
    case 8: return "dense_forward_tf32_wide (register-staged)";
    case 9: return "dense_forward_128x64 (warp tiles)";
    case 10: return "dense_forward_128x64 (3 blocks/SM)";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  sanitize_from_environment();
  Args args = parse_args(argc, argv);
  int only = args.variant;
  Problem p;
  p.B = args.B;
  p.IN = args.IN;
  p.OUT = args.OUT;
  srand(42);
  p.x = uniform((size_t)p.B * p.IN, 1.f);
  p.w = uniform((size_t)p.OUT * p.IN, 1.f / std::sqrt((float)p.IN));
  p.b = uniform(p.OUT, 0.1f);
  p.dx = to_device(p.x);
  p.dw = to_device(p.w);
  p.db = to_device(p.b);
  p.dy = device_floats((size_t)p.B * p.OUT);
  p.dpartial = device_floats((size_t)32 * p.B * p.OUT);
  std::vector<double> ref = reference(p, false), ref32 = reference(p, true);
  printf("dense forward, B=%d IN=%d OUT=%d, ReLU\n", p.B, p.IN, p.OUT);
  int failures = 0;
  float anchor = 0;
  for (int v = 0; v <= 10; v++) {
    if (only >= 0 && v != only) continue;
    if (!run(v, p)) continue;
    sync_device();
    std::vector<float> y((size_t)p.B * p.OUT);
    download(y, p.dy);
    const bool tf = (v >= 4 && v <= 6) || v == 8;
    double err = max_rel_err(y, tf ? ref32 : ref);
    float ms = report(v, name(v), err, tf ? 1e-4 : 1e-5, 2.0 * p.B * p.IN * p.OUT, v == 0 ? 0 : anchor, failures,
                      [&] { run(v, p); });
    if (v == 0) anchor = ms;
  }
  return failures ? 1 : 0;
}
