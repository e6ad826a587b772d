package io.github.betavae.backend;

/**
 * An objective in the form {@code kernels/objective.cu} evaluates: a kind, a β schedule and its
 * numbers. {@code io.github.betavae.loss.Objectives#params} builds it from an objective; {@link
 * #evaluate} is the kernel's CPU twin, the same double operations in the same order, which the CPU
 * engine runs and the parity tests compare the kernel with.
 *
 * @param kind {@link #BETA} (recon + β(t)·Σ KL_d), {@link #FREE_BITS} (recon + β(t)·Σ max(λ, KL_d)) or
 *     {@link #CAPACITY} (recon + γ·|Σ KL_d − C(t)|, γ in {@code beta} with a constant schedule)
 * @param schedule {@link #CONSTANT}, {@link #WARMUP} (start → beta over steps) or {@link #CYCLICAL}
 *     (cycles over steps, rising over ratio of each)
 * @param capacityMax C_max in nats (capacity only)
 * @param rampSteps steps over which C rises (capacity only)
 */
public record ObjectiveParams(int kind, int schedule, double beta, double start, long steps, int cycles, double ratio,
                              double lambda, double capacityMax, long rampSteps) {
  public static final int BETA = 0, FREE_BITS = 1, CAPACITY = 2;
  public static final int CONSTANT = 0, WARMUP = 1, CYCLICAL = 2;
  /** Threads of the kernel's block: the reconstruction sum runs over this many strided partials. */
  public static final int PARTIALS = 256;

  /** β(t), as {@code BetaSchedule.at} computes it. */
  public double betaAt(long t) {
    if (schedule == WARMUP) {
      if (t >= steps) return beta;
      return start + (beta - start) * ((double) Math.max(0, t) / steps);
    }
    if (schedule == CYCLICAL) {
      if (t >= steps) return beta;
      long pos = (Math.max(0, t) * (long) cycles) % steps;
      double tau = (double) pos / steps;
      double r = tau / ratio;
      return beta * (r < 1.0 ? r : 1.0);
    }
    return beta;
  }

  /**
   * The kernel's work on the CPU: writes klCoef[d] = ∂objective/∂KL_d / B and returns the record of
   * step {@code t} (flags for a non-finite loss only; the gradient guard adds its own).
   */
  public StepRecord evaluate(long t, float[] lossPerSample, int batch, float[] klSum, float[] klCoef) {
    int z = klSum.length;
    double[] part = new double[PARTIALS];
    for (int p = 0; p < PARTIALS; p++) {
      double s = 0;
      for (int i = p; i < batch; i += PARTIALS) s += lossPerSample[i];
      part[p] = s;
    }
    for (int w = PARTIALS / 2; w > 0; w >>= 1) {
      for (int p = 0; p < w; p++) part[p] += part[p + w];
    }
    double recon = part[0] / batch;
    double b = betaAt(t);
    double kl = 0, weighted = 0;
    double[] klDim = new double[z];
    for (int d = 0; d < z; d++) {
      double k = (double) klSum[d] / batch;
      klDim[d] = k;
      kl += k;
      if (kind == FREE_BITS) {
        boolean above = k > lambda;
        weighted += above ? k : lambda;
        klCoef[d] = (above ? (float) b : 0f) / batch;
      }
    }
    double loss;
    if (kind == FREE_BITS) {
      loss = recon + b * weighted;
    } else if (kind == CAPACITY) {
      double c = t >= rampSteps ? capacityMax : capacityMax * ((double) Math.max(0, t) / rampSteps);
      double gap = kl - c;
      float coef = (float) (b * Math.signum(gap));
      for (int d = 0; d < z; d++) klCoef[d] = coef / batch;
      loss = recon + b * Math.abs(gap);
    } else {
      for (int d = 0; d < z; d++) klCoef[d] = (float) b / batch;
      loss = recon + b * kl;
    }
    return new StepRecord(t, Double.isFinite(loss) ? 0 : StepRecord.LOSS_NONFINITE, StepRecord.NONE, loss, recon, kl, klDim);
  }
}
