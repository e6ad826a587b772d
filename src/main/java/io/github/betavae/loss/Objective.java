package io.github.betavae.loss;

/**
 * The training objective as a function of the batch-mean reconstruction term and the batch-mean KL
 * of each latent dimension. The model needs only its value and ∂objective/∂KL_d; the reconstruction
 * term always enters with weight 1.
 */
public interface Objective {

  /**
   * Returns the objective for this batch at training step {@code step} and writes
   * {@code klCoef[d] = ∂objective/∂KL_d} (KL_d being the batch mean of dimension d).
   */
  double evaluate(double recon, double[] klPerDim, long step, float[] klCoef);

  /** The KL weight in force at {@code step} (for logging). */
  double beta(long step);

  /** {@code recon + β·Σ_d KL_d}: the β-VAE objective (β = 1 is the plain VAE ELBO). */
  static Objective beta(double beta) {
    return new Objective() {
      @Override
      public double evaluate(double recon, double[] kl, long step, float[] coef) {
        double s = 0;
        for (int d = 0; d < kl.length; d++) {
          s += kl[d];
          coef[d] = (float) beta;
        }
        return recon + beta * s;
      }

      @Override
      public double beta(long step) {
        return beta;
      }
    };
  }
}
