// The convolution's three products on one geometry (kernels/conv.cu's letters: wide X (N,C,H,W),
// narrow Y (N,O,OH,OW), kernel K (O,C,k,k)), each as numbered variants checked against a CPU
// reference (double accumulation) and, on a GPU, timed:
//
//   narrow  Y = ReLU(conv(X, K) + b)   (a convolution's forward, a transposed one's input gradient)
//   wide    X = convᵀ(Y, K)            (a convolution's input gradient, a transposed one's forward)
//   kernel  K += Σ_(n,i,j) Y · im2col(X) (the weight gradient)
//
//   1  direct: one thread per output element (narrow, wide) or per weight element (kernel, a serial
//      sum over every (n, i, j)) — the library's first CUDA convolutions, kept here as the baseline;
//      conv_wide_direct is still the library's kernel for a wide side of at most 4 channels
//   2  the library's implicit GEMMs with ConvKernels.java's table: conv_narrow, conv_wide (by stride
//      phase, or conv_wide_direct at ≤ 4 channels), conv_kernel_grad or, where the weight has few
//      tiles, conv_kernel_grad_partial + dense_backward_dw_sum
//   3  the library's TF32 kernels (--precision tf32): conv_narrow_tf32, conv_wide_tf32 (or
//      conv_wide_direct rounding its operands), conv_kernel_grad_tf32 (+ dense_backward_dw_sum when
//      split), checked against a reference on TF32-rounded operands
//
// Speed of PyTorch's cuDNN on the same layers is measured by bench/torch_vae.py through the whole
// train step (the GPU kit); this program compares our variants with each other.
//
// On a GPU (check, then time; bench/cuda/build-gpu.sh builds it for sm_80 and sm_90):
//   ./conv [variant] [N C H W O k s p]          (variant -1, the default: all of them)
//   e.g. the conv architecture's first layer at batch 64: ./conv -1 64 1 64 64 32 4 2 1
// On the host harness (check only): bench/cuda/run-host.sh conv [variant] [N C H W O k s p]
static const char* bv_program = "conv";
#include "variants.cuh"

namespace {

// Variant 1's narrow and kernel products (the wide one is the library's conv_wide_direct).
__global__ void direct_narrow(float* y, const float* x, const float* kern, const float* b, int C, int H, int W, int O,
                              int OH, int OW, int k, int s, int p, int act) {
  const int e = blockIdx.x * blockDim.x + threadIdx.x, o = blockIdx.y, n = blockIdx.z;
  if (e >= OH * OW) return;
  const int i = e / OW, j = e % OW;
  float acc = 0.f;
  for (int c = 0; c < C; c++) {
    const float* xp = x + ((long long)n * C + c) * H * W;
    const float* kp = kern + ((long long)o * C + c) * k * k;
    for (int kh = 0; kh < k; kh++) {
      const int h = i * s + kh - p;
      if (h < 0 || h >= H) continue;
      for (int kw = 0; kw < k; kw++) {
        const int w = j * s + kw - p;
        if (w < 0 || w >= W) continue;
        acc = fmaf(xp[h * W + w], kp[kh * k + kw], acc);
      }
    }
  }
  y[((long long)n * O + o) * OH * OW + e] = bv_act(acc + b[o], act);
}

__global__ void direct_kernel(float* kern, const float* x, const float* y, int N, int C, int H, int W, int O, int OH,
                              int OW, int k, int s, int p) {
  const long long elem = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (elem >= (long long)O * C * k * k) return;
  const int kw = (int)(elem % k), kh = (int)(elem / k % k), c = (int)(elem / ((long long)k * k) % C);
  const int o = (int)(elem / ((long long)k * k * C));
  float acc = kern[elem];
  for (int n = 0; n < N; n++) {
    const float* yp = y + ((long long)n * O + o) * OH * OW;
    const float* xp = x + ((long long)n * C + c) * H * W;
    for (int i = 0; i < OH; i++) {
      const int h = i * s + kh - p;
      if (h < 0 || h >= H) continue;
      for (int j = 0; j < OW; j++) {
        const int w = j * s + kw - p;
        if (w < 0 || w >= W) continue;
        acc = fmaf(yp[i * OW + j], xp[h * W + w], acc);
      }
    }
  }
  kern[elem] = acc;
}

struct Problem {
  int N, C, H, W, O, k, s, p, OH, OW;
  std::vector<float> x, y, w, b, k0;
  float *dx, *dy, *dw, *db, *dk, *dpartial;
  size_t xs() const { return (size_t)N * C * H * W; }
  size_t ys() const { return (size_t)N * O * OH * OW; }
  size_t ks() const { return (size_t)O * C * k * k; }
  int rows() const { return N * OH * OW; }
};

// ConvKernels.java's table.
int tm(int rows) { return rows <= 32 ? 2 : 4; }
int tn(int cols) { return cols <= 16 ? 1 : 4; }
// DenseKernels.kChunk(tiles, rows, 256): the weight gradient's rows split so the grid has about 256 blocks.
int split_chunk(long tiles, long rows) {
  if (tiles >= 256 || rows < 512) return (int)rows;
  long s = std::min(std::min((256 + tiles - 1) / tiles, rows / 256), 256L);
  if (s < 2) return (int)rows;
  int chunk = (int)((rows + s - 1) / s);
  return (chunk + 15) / 16 * 16;
}
int row_chunk(const Problem& q) {
  int kd = q.C * q.k * q.k;
  return split_chunk((long)blocks(q.O, 16 * tm(q.O)) * blocks(kd, 16 * tn(kd)), q.rows());
}

// The three products in double. X[n,c,h,w] meets Y[n,o,i,j] through K[o,c,kh,kw] where
// h = i·s + kh − p and w = j·s + kw − p fall inside X.
template <class F>
void taps(const Problem& q, F f) {
  for (int n = 0; n < q.N; n++)
    for (int o = 0; o < q.O; o++)
      for (int i = 0; i < q.OH; i++)
        for (int j = 0; j < q.OW; j++)
          for (int c = 0; c < q.C; c++)
            for (int kh = 0; kh < q.k; kh++)
              for (int kw = 0; kw < q.k; kw++) {
                int h = i * q.s + kh - q.p, w = j * q.s + kw - q.p;
                if (h < 0 || h >= q.H || w < 0 || w >= q.W) continue;
                f((((size_t)n * q.C + c) * q.H + h) * q.W + w, (((size_t)n * q.O + o) * q.OH + i) * q.OW + j,
                  (((size_t)o * q.C + c) * q.k + kh) * q.k + kw);
              }
}

// An operand as the products read it: rounded to TF32 for variant 3.
float rd(float v, bool round) { return round ? tf32(v) : v; }

std::vector<double> ref_narrow(const Problem& q, bool r) {
  std::vector<double> y(q.ys(), 0.0);
  taps(q, [&](size_t xi, size_t yi, size_t ki) { y[yi] += (double)rd(q.x[xi], r) * rd(q.w[ki], r); });
  for (size_t e = 0; e < y.size(); e++) {
    double v = y[e] + q.b[e / (q.OH * q.OW) % q.O];
    y[e] = v > 0 ? v : 0;
  }
  return y;
}

std::vector<double> ref_wide(const Problem& q, bool r) {
  std::vector<double> x(q.xs(), 0.0);
  taps(q, [&](size_t xi, size_t yi, size_t ki) { x[xi] += (double)rd(q.y[yi], r) * rd(q.w[ki], r); });
  return x;
}

std::vector<double> ref_kernel(const Problem& q, bool r) {
  std::vector<double> k(q.k0.begin(), q.k0.end());
  taps(q, [&](size_t xi, size_t yi, size_t ki) { k[ki] += (double)rd(q.y[yi], r) * rd(q.x[xi], r); });
  return k;
}

enum Op { NARROW, WIDE, KERNEL };
const char* op_name(int op) { return op == NARROW ? "narrow" : op == WIDE ? "wide" : "kernel"; }

// Launches variant v of op once. False where there is no such variant.
bool run(int op, int v, Problem& q) {
  const int N = q.N, C = q.C, H = q.H, W = q.W, O = q.O, OH = q.OH, OW = q.OW, k = q.k, s = q.s, p = q.p;
  const int relu = BV_ACT_RELU, id = BV_ACT_IDENTITY;
  if (v == 1) {
    if (op == NARROW) {
      launch(direct_narrow, dim3(blocks(OH * OW, 256), O, N), dim3(256), q.dy, (const float*)q.dx, (const float*)q.dw,
             (const float*)q.db, C, H, W, O, OH, OW, k, s, p, relu);
    } else if (op == WIDE) {
      launch(conv_wide_direct, dim3(blocks(H * W, 256), C, N), dim3(256), q.dx, (const float*)q.dy, (const float*)q.dw,
             (const float*)nullptr, C, H, W, O, OH, OW, k, s, p, id, 0);
    } else {
      launch(direct_kernel, dim3(blocks((int)q.ks(), 256)), dim3(256), q.dk, (const float*)q.dx, (const float*)q.dy, N,
             C, H, W, O, OH, OW, k, s, p);
    }
    return true;
  }
  if (v == 3) {
    if (op == NARROW) {
      launch(conv_narrow_tf32, dim3(blocks(q.rows(), 64), blocks(O, 64)), dim3(128), q.dy, (const float*)q.dx,
             (const float*)q.dw, (const float*)q.db, N, C, H, W, O, OH, OW, k, s, p, relu);
    } else if (op == WIDE && C <= 4) {
      launch(conv_wide_direct, dim3(blocks(H * W, 256), C, N), dim3(256), q.dx, (const float*)q.dy, (const float*)q.dw,
             (const float*)nullptr, C, H, W, O, OH, OW, k, s, p, id, 1);
    } else if (op == WIDE) {
      int cols = N * ((H + s - 1) / s) * ((W + s - 1) / s);
      launch(conv_wide_tf32, dim3(blocks(cols, 64), blocks(C, 64), s * s), dim3(128), q.dx, (const float*)q.dy,
             (const float*)q.dw, (const float*)nullptr, N, C, H, W, O, OH, OW, k, s, p, id);
    } else {
      int kd = C * k * k, gx = blocks(kd, 64), gy = blocks(O, 64), rows = q.rows();
      int chunk = split_chunk((long)gx * gy, rows), splits = blocks(rows, chunk);
      launch(conv_kernel_grad_tf32, dim3(gx, gy, splits), dim3(128), splits == 1 ? q.dk : q.dpartial, (const float*)q.dx,
             (const float*)q.dy, N, C, H, W, O, OH, OW, k, s, p, chunk, splits == 1 ? 1 : 0);
      if (splits > 1)
        launch(dense_backward_dw_sum, dim3(blocks(kd, 256), O), dim3(256), q.dk, (const float*)q.dpartial, O, kd, splits, 1);
    }
    return true;
  }
  if (v != 2) return false;
  if (op == NARROW) {
    int t = tm(O);
    launch(conv_narrow, dim3(blocks(q.rows(), 64), blocks(O, 16 * t)), dim3(256), q.dy, (const float*)q.dx,
           (const float*)q.dw, (const float*)q.db, N, C, H, W, O, OH, OW, k, s, p, relu, t);
  } else if (op == WIDE) {
    if (C <= 4) {
      launch(conv_wide_direct, dim3(blocks(H * W, 256), C, N), dim3(256), q.dx, (const float*)q.dy, (const float*)q.dw,
             (const float*)nullptr, C, H, W, O, OH, OW, k, s, p, id, 0);
    } else {
      int t = tm(C), cols = N * ((H + s - 1) / s) * ((W + s - 1) / s);
      launch(conv_wide, dim3(blocks(cols, 64), blocks(C, 16 * t), s * s), dim3(256), q.dx, (const float*)q.dy,
             (const float*)q.dw, (const float*)nullptr, N, C, H, W, O, OH, OW, k, s, p, id, t);
    }
  } else {
    int kd = C * k * k, a = tm(O), b = tn(kd), chunk = row_chunk(q);
    if (chunk >= q.rows()) {
      launch(conv_kernel_grad, dim3(blocks(kd, 16 * b), blocks(O, 16 * a)), dim3(256), q.dk, (const float*)q.dx,
             (const float*)q.dy, N, C, H, W, O, OH, OW, k, s, p, a, b);
    } else {
      int splits = blocks(q.rows(), chunk);
      launch(conv_kernel_grad_partial, dim3(blocks(kd, 16 * b), blocks(O, 16 * a), splits), dim3(256), q.dpartial,
             (const float*)q.dx, (const float*)q.dy, N, C, H, W, O, OH, OW, k, s, p, chunk, a, b);
      launch(dense_backward_dw_sum, dim3(blocks(kd, 256), O), dim3(256), q.dk, (const float*)q.dpartial, O, kd, splits, 1);
    }
  }
  return true;
}

const char* name(int op, int v) {
  static char buf[64];
  snprintf(buf, sizeof buf, "%s %s", op_name(op), v == 1 ? "direct" : v == 2 ? "implicit GEMM (library)" : "TF32 WMMA (library)");
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  sanitize_from_environment();
  if (argc != 1 && argc != 2 && argc != 10) die("usage: [variant] [N C H W O k s p]");
  int only = argc > 1 ? atoi(argv[1]) : -1;
  Problem q;
  int g[8] = {3, 5, 17, 15, 33, 4, 2, 1};  // awkward by default: odd sizes, 33 channels, batch 3
  if (argc == 10)
    for (int i = 0; i < 8; i++) g[i] = atoi(argv[2 + i]);
  q.N = g[0], q.C = g[1], q.H = g[2], q.W = g[3], q.O = g[4], q.k = g[5], q.s = g[6], q.p = g[7];
  if (q.N < 1 || q.C < 1 || q.H < 1 || q.W < 1 || q.O < 1 || q.k < 1 || q.s < 1 || q.p < 0)
    die("N C H W O k s must be ≥ 1 and p ≥ 0");
  q.OH = (q.H + 2 * q.p - q.k) / q.s + 1;
  q.OW = (q.W + 2 * q.p - q.k) / q.s + 1;
  if (q.H + 2 * q.p < q.k || q.W + 2 * q.p < q.k) die("the kernel is larger than the padded image");
  srand(42);
  q.x = uniform(q.xs(), 1.f);
  q.y = uniform(q.ys(), 1.f);
  q.w = uniform(q.ks(), 1.f / std::sqrt((float)(q.C * q.k * q.k)));
  q.b = uniform(q.O, 0.1f);
  q.k0 = uniform(q.ks(), 1.f);
  q.dx = to_device(q.x);
  q.dy = to_device(q.y);
  q.dw = to_device(q.w);
  q.db = to_device(q.b);
  q.dk = to_device(q.k0);
  q.dpartial = device_floats((size_t)256 * q.ks());
  printf("conv, X (%d,%d,%d,%d), Y (%d,%d,%d,%d), k %d s %d p %d\n", q.N, q.C, q.H, q.W, q.N, q.O, q.OH, q.OW, q.k,
         q.s, q.p);
  double flops = 2.0 * q.rows() * q.O * q.C * q.k * q.k;  // every tap, padding included
  int failures = 0;
  for (int op = NARROW; op <= KERNEL; op++) {
    std::vector<double> ref[2];
    for (int r = 0; r < 2; r++) ref[r] = op == NARROW ? ref_narrow(q, r) : op == WIDE ? ref_wide(q, r) : ref_kernel(q, r);
    for (int v = 1; v <= 3; v++) {
      if (only >= 0 && v != only) continue;
      if (op == KERNEL) upload(q.dk, q.k0);  // the weight gradient accumulates: start from k0 each time
      if (!run(op, v, q)) continue;
      sync_device();
      std::vector<float> got(op == NARROW ? q.ys() : op == WIDE ? q.xs() : q.ks());
      download(got, op == NARROW ? q.dy : op == WIDE ? q.dx : q.dk);
      // narrow writes over Y and wide over X, which the products after them read
      if (op == NARROW) upload(q.dy, q.y);
      if (op == WIDE) upload(q.dx, q.x);
      double err = max_rel_err(got, ref[v == 3]);
      // the weight gradient sums N·OH·OW terms in float (65,536 for a first layer at batch 64)
      report(v, name(op, v), err, op == KERNEL ? 1e-4 : 1e-5, flops, 0, failures, [&] { run(op, v, q); });
      if (op == NARROW) upload(q.dy, q.y);  // and again after the timed launches
      if (op == WIDE) upload(q.dx, q.x);
    }
  }
  return failures ? 1 : 0;
}
