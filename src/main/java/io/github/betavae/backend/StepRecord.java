package io.github.betavae.backend;

import java.util.Arrays;

/**
 * The host copy of one resident step's stats record: 64-bit words in the layout of
 * {@code kernels/objective.cu}, read by the host one step after the step was queued.
 *
 * @param step the counter when the record was copied: after {@link Backend#advance}, the steps done
 *     counting this one (the 1-based number of the step these stats belong to)
 * @param flags {@link #LOSS_NONFINITE} and {@link #GRAD_NONFINITE}; 0 when everything was finite
 *     (then the update was applied, otherwise it was not)
 * @param badIndex flat index of the first non-finite gradient element; {@link #NONE} if none
 * @param loss the objective (batch mean)
 * @param recon the reconstruction term (batch mean)
 * @param kl Σ_d KL_d (batch means)
 * @param klDim KL of each latent dimension (batch mean)
 */
public record StepRecord(long step, long flags, long badIndex, double loss, double recon, double kl, double[] klDim) {
  /** Word slots of the record. */
  public static final int STEP = 0, FLAGS = 1, BAD = 2, ROW = 3, LOSS = 4, RECON = 5, KL = 6, KL_DIM = 7;
  /** Flag bits. */
  public static final long LOSS_NONFINITE = 1, GRAD_NONFINITE = 2;
  /** {@link #badIndex} when every gradient element is finite. */
  public static final long NONE = Long.MAX_VALUE;

  /** Words of the record for latent size Z. */
  public static int words(int latent) {
    return KL_DIM + latent;
  }

  /** Reads a record from its words. */
  public static StepRecord of(long[] w, int latent) {
    double[] k = new double[latent];
    for (int d = 0; d < latent; d++) k[d] = Double.longBitsToDouble(w[KL_DIM + d]);
    return new StepRecord(w[STEP], w[FLAGS], w[BAD], Double.longBitsToDouble(w[LOSS]), Double.longBitsToDouble(w[RECON]),
        Double.longBitsToDouble(w[KL]), k);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StepRecord r && step == r.step && flags == r.flags && badIndex == r.badIndex
        && Double.compare(loss, r.loss) == 0 && Double.compare(recon, r.recon) == 0 && Double.compare(kl, r.kl) == 0
        && Arrays.equals(klDim, r.klDim);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(step) * 31 + Arrays.hashCode(klDim);
  }

  @Override
  public String toString() {
    return "StepRecord[step=" + step + ", flags=" + flags + ", badIndex=" + badIndex + ", loss=" + loss + ", recon=" + recon
        + ", kl=" + kl + ", klDim=" + Arrays.toString(klDim) + "]";
  }
}
