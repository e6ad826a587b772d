// Philox4x32-10 (Salmon et al., SC 2011), bit-identical to io.github.betavae.rng.Philox and to
// Random123 / cuRAND's device API: round multipliers 0xD2511F53, 0xCD9E8D57, key bumps 0x9E3779B9,
// 0xBB67AE85.
//
// Counter layout (DESIGN §5): key = 64-bit run seed as (low word, high word);
// counter = (element-quad index, step, stream id, 0). One block gives the four uint32 draws of
// elements 4q .. 4q+3. Uniform: u = x·2^-32 + 2^-33 in float, never 0. Normals: Box–Muller on the
// pairs (u0,u1) and (u2,u3): r = sqrt(-2 ln u0), n0 = r cos(2π u1), n1 = r sin(2π u1).
#pragma once

#define BV_STREAM_INIT 0
#define BV_STREAM_EPS 1

struct bv_u32x4 {
  unsigned int x, y, z, w;
};

__device__ __forceinline__ bv_u32x4 bv_philox4x32_10(unsigned int c0, unsigned int c1, unsigned int c2,
                                                     unsigned int c3, unsigned int k0, unsigned int k1) {
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const unsigned int lo0 = 0xD2511F53u * c0, hi0 = __umulhi(0xD2511F53u, c0);
    const unsigned int lo1 = 0xCD9E8D57u * c2, hi1 = __umulhi(0xCD9E8D57u, c2);
    const unsigned int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  bv_u32x4 out = {c0, c1, c2, c3};
  return out;
}

// The four draws of quad `quad` for (seed, step, stream); the counter words are the low 32 bits of
// quad and step, as on the CPU.
__device__ __forceinline__ bv_u32x4 bv_philox_block(long long seed, long long quad, long long step, int stream) {
  return bv_philox4x32_10((unsigned int)quad, (unsigned int)step, (unsigned int)stream, 0u,
                          (unsigned int)seed, (unsigned int)((unsigned long long)seed >> 32));
}

// Word i (0..3) of a block.
__device__ __forceinline__ unsigned int bv_philox_word(bv_u32x4 b, int i) {
  return i == 0 ? b.x : i == 1 ? b.y : i == 2 ? b.z : b.w;
}

// Explicit _rn operations: nvcc would otherwise contract x·2^-32 + 2^-33 into one fma, whose single
// rounding differs from the CPU's two.
__device__ __forceinline__ float bv_uniform(unsigned int x) {
  return __fadd_rn(__fmul_rn((float)x, 2.3283064365386963e-10f), 1.1641532182693481e-10f);  // 2^-32, 2^-33
}

// The standard normal for flat element e. Only the Box–Muller pair that e belongs to is computed.
// sincospif(2·u1) is sin/cos(2π·u1) without first rounding the angle 2π·u1 to float: that rounding
// alone moves the angle by up to 4e-7 rad, which at r ≈ 6.8 would exceed the 2e-6 CPU/GPU tolerance.
__device__ __forceinline__ float bv_philox_normal(long long seed, long long e, long long step, int stream) {
  const bv_u32x4 b = bv_philox_block(seed, e >> 2, step, stream);
  const int pair = (int)(e & 3) >> 1;
  const float u0 = bv_uniform(pair == 0 ? b.x : b.z);
  const float u1 = bv_uniform(pair == 0 ? b.y : b.w);
  const float r = sqrtf(-2.f * logf(u0));
  float s, c;
  sincospif(2.f * u1, &s, &c);
  return (e & 1) ? r * s : r * c;
}
