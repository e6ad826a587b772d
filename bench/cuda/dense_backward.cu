// The dense layer's two backward products, one numbered variant per kernel the library has for
// them, each checked against a CPU reference (double accumulation) and, on a GPU, timed:
//
//   weight gradient dw (OUT,IN) += dAᵀ·x         input gradient dx (B,IN) = dA·w
//   0  cublasSgemm (anchor, FP32)                  5  cublasSgemm (anchor, FP32)
//   1  dense_backward_dw (64×64 tiles)             6  dense_backward_dx (64×64 tiles)
//   2  dense_backward_dw_partial + _sum (split-B)  7  dense_backward_dx_partial + _sum (split-OUT)
//   3  dense_backward_dw_128 (warp tiles)          8  dense_backward_dx_128 (warp tiles)
//   4  dense_backward_dw_tf32 (WMMA)               9  dense_backward_dx_tf32 (WMMA)
//                                                  10 dense_backward_dx_tf32_partial + _sum (WMMA, split-OUT)
//  11  dense_backward_dw_tf32_wide (WMMA, 128×64)  12 dense_backward_dx_tf32_wide (WMMA, 128×64)
//                                                  13 dense_backward_dx_128_partial + _sum (split-OUT)
//  14  dense_backward_dw_128, register-staged      15 dense_backward_dx_128, register-staged
//  16  dense_backward_dw_tf32_wide, reg.-staged    17 dense_backward_dx_tf32_wide, register-staged
//  18  dense_backward_dw_128_partial + dw_sum (split-B)
//  19  dense_backward_dw_128x64 (3 on 128×64 tiles)  20 dense_backward_dx_128x64 (8 on 128×64 tiles)
//  21  19 under __launch_bounds__(256, 3): three blocks an SM (80 registers, no spill; dx would spill)
//
// 14 to 17 are 3, 8, 11 and 12 as they were before cp.async: every operand through registers into
// shared memory. They are defined here, from the library's kernel bodies, to time cp.async against
// them.
//
// dA is the output gradient after the activation's derivative (dense_bias_grad's job, not here).
// The kernels are the library's own (kernels/all.cu); only the launch geometry is repeated here,
// from DenseKernels.java. TF32 variants are checked against TF32-rounded operands.
//
//   bench/cuda/run-host.sh dense_backward [variant] [B IN OUT]     the host harness: check only
//   bench/cuda/build-gpu.sh DIR && DIR/dense_backward [variant] [B IN OUT]    a GPU: check and time
//   (variant -1, the default: all of them; BETAVAE_SANITIZE as in dense_forward.cu)
static const char* bv_program = "dense_backward";
#include "variants.cuh"

__global__ void __launch_bounds__(256) dense_backward_dw_128_staged(float* dw, const float* dA, const float* x, int B,
                                                                    int IN, int OUT, int vec, int accum) {
  bv_backward_dw_128<false>(dw, dA, x, B, IN, OUT, vec, accum);
}
__global__ void __launch_bounds__(256) dense_backward_dx_128_staged(float* dx, const float* dA, const float* w, int B,
                                                                    int IN, int OUT, int vec) {
  bv_backward_dx_128<false>(dx, dA, w, B, IN, OUT, vec);
}

__global__ void __launch_bounds__(256) dense_backward_dw_tf32_wide_staged(float* dw, const float* dA, const float* x,
                                                                          int B, int IN, int OUT, int vec, int accum) {
  bv_backward_dw_tf32_wide<false>(dw, dA, x, B, IN, OUT, vec, accum);
}
__global__ void __launch_bounds__(256) dense_backward_dx_tf32_wide_staged(float* dx, const float* dA, const float* w,
                                                                          int B, int IN, int OUT, int vec) {
  bv_backward_dx_tf32_wide<false>(dx, dA, w, B, IN, OUT, vec);
}

__global__ void __launch_bounds__(256, 3) dense_backward_dw_128x64_3(float* dw, const float* dA, const float* x, int B,
                                                                      int IN, int OUT, int vec, int accum) {
  bv_backward_dw_128<true, 64>(dw, dA, x, B, IN, OUT, vec, accum);
}

namespace {

struct Problem {
  int B, IN, OUT;
  std::vector<float> dA, x, w, dw0;
  float *ddA, *dx_in, *dw_in, *ddw, *ddx, *dpartial;
};

// v in double, each element rounded to TF32 first when asked.
std::vector<double> widened(const std::vector<float>& v, bool round) {
  std::vector<double> d(v.size());
  for (size_t i = 0; i < v.size(); i++) d[i] = round ? tf32(v[i]) : v[i];
  return d;
}

// dw0 + dAᵀ·x, or dA·w, in double; operands rounded to TF32 first when asked. Every output sums its
// terms in ascending order; rows of the output are spread over the host's cores.
std::vector<double> reference(const Problem& p, bool dw, bool round) {
  const std::vector<double> A = widened(p.dA, round), X = widened(p.x, round), W = widened(p.w, round);
  if (dw) {
    std::vector<double> out((size_t)p.OUT * p.IN);
    parallel_for(p.OUT, [&](int o) {
      double* s = &out[(size_t)o * p.IN];
      for (int k = 0; k < p.IN; k++) s[k] = 0;
      for (int i = 0; i < p.B; i++) {
        const double a = A[(size_t)i * p.OUT + o], *xr = &X[(size_t)i * p.IN];
        for (int k = 0; k < p.IN; k++) s[k] += a * xr[k];
      }
      for (int k = 0; k < p.IN; k++) s[k] += p.dw0[(size_t)o * p.IN + k];
    });
    return out;
  }
  std::vector<double> out((size_t)p.B * p.IN);
  parallel_for(p.B, [&](int i) {
    double* s = &out[(size_t)i * p.IN];
    for (int k = 0; k < p.IN; k++) s[k] = 0;
    for (int o = 0; o < p.OUT; o++) {
      const double a = A[(size_t)i * p.OUT + o], *wr = &W[(size_t)o * p.IN];
      for (int k = 0; k < p.IN; k++) s[k] += a * wr[k];
    }
  });
  return out;
}

// At least two chunks, so the split paths run even where the library would not split.
int split_chunk(int m, int n, int k) { return std::max(16, std::min(k_chunk(m, n, k), (k / 2 + 15) / 16 * 16)); }

// Launches variant v once. False where the variant is not in this build.
bool run(int v, Problem& p) {
  const int B = p.B, IN = p.IN, OUT = p.OUT;
  const float *dA = p.ddA, *x = p.dx_in, *w = p.dw_in;
  // the 128-wide FP32 kernels' 128-bit paths: bit 1 dA, bit 2 x or w, bit 4 the output (device
  // bases are 256-byte aligned)
  const int vec = (OUT % 4 == 0 ? 1 : 0) | (IN % 4 == 0 ? 2 | 4 : 0);
  switch (v) {
    case 1:
      launch(dense_backward_dw, dim3(blocks(IN, 64), blocks(OUT, 64)), dim3(256), p.ddw, dA, x, B, IN, OUT, 1);
      return true;
    case 2: {
      int chunk = split_chunk(OUT, IN, B), splits = blocks(B, chunk);
      launch(dense_backward_dw_partial, dim3(blocks(IN, 64), blocks(OUT, 64), splits), dim3(256), p.dpartial, dA, x, B,
             IN, OUT, chunk);
      launch(dense_backward_dw_sum, dim3(blocks(IN, 256), OUT), dim3(256), p.ddw, (const float*)p.dpartial, OUT, IN,
             splits, 1);
      return true;
    }
    case 3:
    case 14: {
      launch(v == 3 ? dense_backward_dw_128 : dense_backward_dw_128_staged, dim3(blocks(IN, 128), blocks(OUT, 128)),
             dim3(256), p.ddw, dA, x, B, IN, OUT, vec, 1);
      return true;
    }
    case 4:
      launch(dense_backward_dw_tf32, dim3(blocks(IN, 64), blocks(OUT, 64)), dim3(128), p.ddw, dA, x, B, IN, OUT, 1);
      return true;
    case 6:
      launch(dense_backward_dx, dim3(blocks(IN, 64), blocks(B, 64)), dim3(256), p.ddx, dA, w, B, IN, OUT);
      return true;
    case 7: {
      int chunk = split_chunk(B, IN, OUT), splits = blocks(OUT, chunk);
      launch(dense_backward_dx_partial, dim3(blocks(IN, 64), blocks(B, 64), splits), dim3(256), p.dpartial, dA, w, B,
             IN, OUT, chunk);
      launch(dense_backward_dx_sum, dim3(blocks(IN, 256), B), dim3(256), p.ddx, (const float*)p.dpartial, B, IN, splits);
      return true;
    }
    case 8:
    case 15: {
      launch(v == 8 ? dense_backward_dx_128 : dense_backward_dx_128_staged, dim3(blocks(IN, 128), blocks(B, 128)),
             dim3(256), p.ddx, dA, w, B, IN, OUT, vec);
      return true;
    }
    case 9:
      launch(dense_backward_dx_tf32, dim3(blocks(IN, 64), blocks(B, 64)), dim3(128), p.ddx, dA, w, B, IN, OUT);
      return true;
    case 11:
    case 12:
    case 16:
    case 17: {
      const bool dwv = v == 11 || v == 16, staged = v >= 16;
      const int vecTf32 = (OUT % 4 == 0 ? 1 : 0) | (IN % 4 == 0 ? 2 : 0);  // the wide TF32 kernels have no output bit
      if (dwv) {
        launch(staged ? dense_backward_dw_tf32_wide_staged : dense_backward_dw_tf32_wide,
               dim3(blocks(IN, 64), blocks(OUT, 128)), dim3(256), p.ddw, dA, x, B, IN, OUT, vecTf32, 1);
      } else {
        launch(staged ? dense_backward_dx_tf32_wide_staged : dense_backward_dx_tf32_wide,
               dim3(blocks(IN, 64), blocks(B, 128)), dim3(256), p.ddx, dA, w, B, IN, OUT, vecTf32);
      }
      return true;
    }
    case 19:
    case 20:
    case 21: {
      if (v != 20) {
        launch(v == 19 ? dense_backward_dw_128x64 : dense_backward_dw_128x64_3, dim3(blocks(IN, 64), blocks(OUT, 128)), dim3(256), p.ddw, dA, x, B, IN, OUT,
               vec, 1);
      } else {
        launch(dense_backward_dx_128x64, dim3(blocks(IN, 64), blocks(B, 128)), dim3(256), p.ddx, dA, w, B, IN, OUT,
               vec);
      }
      return true;
    }
    case 18: {
      int chunk = k_chunk128(OUT, IN, B), splits = blocks(B, chunk);
      launch(dense_backward_dw_128_partial, dim3(blocks(IN, 128), blocks(OUT, 128), splits), dim3(256), p.dpartial, dA,
             x, B, IN, OUT, chunk, vec);
      launch(dense_backward_dw_sum, dim3(blocks(IN, 256), OUT), dim3(256), p.ddw, (const float*)p.dpartial, OUT, IN,
             splits, 1);
      return true;
    }
    case 13: {
      int chunk = k_chunk128(B, IN, OUT), splits = blocks(OUT, chunk);
      launch(dense_backward_dx_128_partial, dim3(blocks(IN, 128), blocks(B, 128), splits), dim3(256), p.dpartial, dA,
             w, B, IN, OUT, chunk, vec);
      launch(dense_backward_dx_sum, dim3(blocks(IN, 256), B), dim3(256), p.ddx, (const float*)p.dpartial, B, IN, splits);
      return true;
    }
    case 10: {
      int chunk = split_chunk(B, IN, OUT), splits = blocks(OUT, chunk);
      launch(dense_backward_dx_tf32_partial, dim3(blocks(IN, 64), blocks(B, 64), splits), dim3(128), p.dpartial, dA, w,
             B, IN, OUT, chunk);
      launch(dense_backward_dx_sum, dim3(blocks(IN, 256), B), dim3(256), p.ddx, (const float*)p.dpartial, B, IN, splits);
      return true;
    }
#ifdef __CUDACC__
    case 0:
    case 5: {
      bv_sgemm_t sgemm = cublas_sgemm();
      if (!sgemm) return false;
      const float one = 1.f, zero = 0.f;
      int rc = v == 0
          // dw (OUT,IN) row-major = dwᶜ (IN,OUT) column-major += xᶜ (IN,B) · (dAᶜ (OUT,B))ᵀ
          ? sgemm(g_cublas, 0, 1, IN, OUT, B, &one, x, IN, dA, OUT, &one, p.ddw, IN)
          // dx (B,IN) row-major = dxᶜ (IN,B) = wᶜ (IN,OUT) · dAᶜ (OUT,B)
          : sgemm(g_cublas, 0, 0, IN, B, OUT, &one, w, IN, dA, OUT, &zero, p.ddx, IN);
      if (rc != 0) die("cublasSgemm failed");
      return true;
    }
#endif
    default:
      return false;
  }
}

const char* name(int v) {
  static const char* names[] = {"cublasSgemm (dw)", "dense_backward_dw (64x64)", "dense_backward_dw_partial + _sum",
                                "dense_backward_dw_128 (warp tiles)", "dense_backward_dw_tf32 (WMMA)",
                                "cublasSgemm (dx)", "dense_backward_dx (64x64)", "dense_backward_dx_partial + _sum",
                                "dense_backward_dx_128 (warp tiles)", "dense_backward_dx_tf32 (WMMA)",
                                "dense_backward_dx_tf32_partial + _sum", "dense_backward_dw_tf32_wide (128x64)",
                                "dense_backward_dx_tf32_wide (128x64)", "dense_backward_dx_128_partial + _sum",
                                "dense_backward_dw_128 (register-staged)", "dense_backward_dx_128 (register-staged)",
                                "dense_backward_dw_tf32_wide (reg.-staged)", "dense_backward_dx_tf32_wide (reg.-staged)",
                                "dense_backward_dw_128_partial + _sum", "dense_backward_dw_128x64 (warp tiles)",
                                "dense_backward_dx_128x64 (warp tiles)", "dense_backward_dw_128x64 (3 blocks/SM)"};
  return v >= 0 && v < 22 ? names[v] : "?";
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
  srand(43);
  p.dA = uniform((size_t)p.B * p.OUT, 1.f / std::sqrt((float)p.B));
  p.x = uniform((size_t)p.B * p.IN, 1.f);
  p.w = uniform((size_t)p.OUT * p.IN, 1.f / std::sqrt((float)p.OUT));
  p.dw0 = uniform((size_t)p.OUT * p.IN, 0.1f);
  p.ddA = to_device(p.dA);
  p.dx_in = to_device(p.x);
  p.dw_in = to_device(p.w);
  p.ddw = device_floats(p.dw0.size());
  p.ddx = device_floats((size_t)p.B * p.IN);
  p.dpartial = device_floats((size_t)32 * std::max((size_t)p.OUT * p.IN, (size_t)p.B * p.IN));
  std::vector<double> refs[4] = {reference(p, true, false), reference(p, true, true), reference(p, false, false),
                                 reference(p, false, true)};
  printf("dense backward, B=%d IN=%d OUT=%d\n", p.B, p.IN, p.OUT);
  int failures = 0;
  float anchors[2] = {0, 0};  // cuBLAS's time for dw (variant 0) and dx (variant 5)
  for (int v = 0; v <= 21; v++) {
    if (only >= 0 && v != only) continue;
    bool dw = v < 5 || v == 11 || v == 14 || v == 16 || v == 18 || v == 19 || v == 21, tf = v == 4 || (v >= 9 && v <= 12) || v == 16 || v == 17;
    if (dw) upload(p.ddw, p.dw0);  // the weight gradient accumulates: start every check from dw0
    if (!run(v, p)) continue;
    sync_device();
    std::vector<float> got(dw ? p.dw0.size() : (size_t)p.B * p.IN);
    download(got, dw ? p.ddw : p.ddx);
    double err = max_rel_err(got, refs[(dw ? 0 : 2) + (tf ? 1 : 0)]);
    bool anchored = v != 0 && v != 5;
    float ms = report(v, name(v), err, tf ? 1e-4 : 1e-5, 2.0 * p.B * p.IN * p.OUT, anchored ? anchors[dw ? 0 : 1] : 0,
                      failures, [&] { run(v, p); });
    if (!anchored) anchors[dw ? 0 : 1] = ms;
  }
  return failures ? 1 : 0;
}
