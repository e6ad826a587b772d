// The training objective on the device, and the step state every kernel of a resident step reads.
//
// A training step that never waits for the host keeps one small record in device memory (64-bit
// words; io.github.betavae.backend.StepRecord names the same slots):
//   rec[0] step t (0-based): the Philox counter of ε, the schedules' step, Adam's t − 1
//   rec[1] flags: bit 0 the loss is NaN or ±∞, bit 1 a gradient element is (set by guard.cu)
//   rec[2] flat index of the first non-finite gradient element (INT64_MAX: none)
//   rec[3] the first row of this step's batch in its epoch's order, (t mod S)·B
//   rec[4] loss, rec[5] recon, rec[6] KL (f64, batch means), rec[7..7+Z) KL per dimension (f64)
// The host reads the record a step later, by an asynchronous copy (DESIGN §11).
//
// Letters: B batch, Z latent size, S steps per epoch.
// Accumulation contract: the record's slots 1..7+Z and klCoef are written with =; slot 0 and 3 only
// by step_advance_kernel1.
// Determinism: the reconstruction mean is a fixed-order sum (256 strided partial sums in double,
// then a fixed halving tree), the same order as the CPU twin (io.github.betavae.backend.ObjectiveParams).
#pragma once
#include "common.cuh"

#define BV_REC_STEP 0
#define BV_REC_FLAGS 1
#define BV_REC_BAD 2
#define BV_REC_ROW 3
#define BV_REC_LOSS 4
#define BV_REC_RECON 5
#define BV_REC_KL 6
#define BV_REC_KLDIM 7
#define BV_REC_NONE 0x7fffffffffffffffLL

#define BV_OBJ_BETA 0
#define BV_OBJ_FREE_BITS 1
#define BV_OBJ_CAPACITY 2
#define BV_SCHED_CONSTANT 0
#define BV_SCHED_WARMUP 1
#define BV_SCHED_CYCLICAL 2

// β(t) of io.github.betavae.loss.BetaSchedule, in the same double operations.
__device__ __forceinline__ double bv_schedule(int sched, double beta, double start, long long steps, int cycles,
                                              double ratio, long long t) {
  if (sched == BV_SCHED_WARMUP) {
    if (t >= steps) return beta;
    return start + (beta - start) * ((double)(t > 0 ? t : 0) / (double)steps);
  }
  if (sched == BV_SCHED_CYCLICAL) {
    if (t >= steps) return beta;
    const long long tt = t > 0 ? t : 0;
    const long long pos = (tt * (long long)cycles) % steps;  // once per step, one thread: not a hot loop
    const double tau = (double)pos / (double)steps;
    const double r = tau / ratio;
    return beta * (r < 1.0 ? r : 1.0);
  }
  return beta;
}

// lossPerSample (B), klSum (Z), rec -> rec[1..7+Z), klCoef (Z) = ∂objective/∂KL_d / B
// (with hold = 1, flags already set stay set: see the end)
//   kind 0: recon + β(t)·Σ KL_d;  1: recon + β(t)·Σ max(λ, KL_d);  2: recon + γ·|Σ KL_d − C(t)|
// grid 1, block 256 (exactly)
extern "C" __global__ void objective_forward_kernel1(long long* rec, float* klCoef, const float* lossPerSample,
                                                     const float* klSum, int B, int Z, int kind, int sched,
                                                     double beta, double start, long long steps, int cycles,
                                                     double ratio, double lambda, double capMax, long long ramp,
                                                     int hold) {
  BV_SHARED(double, part, 256);
  const int tid = threadIdx.x;
  double s = 0.0;
  for (int i = tid; i < B; i += 256) s += (double)lossPerSample[i];
  part[tid] = s;
  __syncthreads();
  for (int w = 128; w > 0; w >>= 1) {
    if (tid < w) part[tid] += part[tid + w];
    __syncthreads();
  }
  if (tid != 0) return;
  double* recd = (double*)rec;
  const long long t = rec[BV_REC_STEP];
  const double recon = part[0] / (double)B;
  // kind 2 keeps γ in `beta` and a constant schedule
  const double b = bv_schedule(sched, beta, start, steps, cycles, ratio, t);
  double kl = 0.0, weighted = 0.0;
  for (int d = 0; d < Z; d++) {
    const double k = (double)klSum[d] / (double)B;
    recd[BV_REC_KLDIM + d] = k;
    kl += k;
    if (kind == BV_OBJ_FREE_BITS) {
      const int above = k > lambda;
      weighted += above ? k : lambda;
      klCoef[d] = above ? (float)b / (float)B : 0.f / (float)B;
    }
  }
  double loss;
  if (kind == BV_OBJ_FREE_BITS) {
    loss = recon + b * weighted;
  } else if (kind == BV_OBJ_CAPACITY) {
    const double c = t >= ramp ? capMax : capMax * ((double)(t > 0 ? t : 0) / (double)ramp);
    const double gap = kl - c;
    const float coef = (float)(b * (gap > 0.0 ? 1.0 : gap < 0.0 ? -1.0 : gap));  // Math.signum: ±0 and NaN kept
    for (int d = 0; d < Z; d++) klCoef[d] = coef / (float)B;
    loss = recon + b * (gap < 0.0 ? -gap : gap);
  } else {
    for (int d = 0; d < Z; d++) klCoef[d] = (float)b / (float)B;
    loss = recon + b * kl;
  }
  recd[BV_REC_LOSS] = loss;
  recd[BV_REC_RECON] = recon;
  recd[BV_REC_KL] = kl;
  // hold = 1 keeps an earlier step's flags (and so Adam off) until the host has seen them: a run that
  // stops at its first non-finite step applies no update after it either.
  if (hold && rec[BV_REC_FLAGS] != 0) {
    rec[BV_REC_FLAGS] |= isfinite(loss) ? 0 : 1;
    return;
  }
  rec[BV_REC_FLAGS] = isfinite(loss) ? 0 : 1;
  rec[BV_REC_BAD] = BV_REC_NONE;
}

// Ends a step: rec[0] += 1 and rec[3] = (rec[0] mod S)·B for the next step's batch (S = 0: no rows).
// grid 1, block 1
extern "C" __global__ void step_advance_kernel1(long long* rec, long long S, int B) {
  const long long t = rec[BV_REC_STEP] + 1;
  rec[BV_REC_STEP] = t;
  rec[BV_REC_ROW] = S > 0 ? (t % S) * (long long)B : 0;
}
