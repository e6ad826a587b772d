/**
 * Training objectives over the reconstruction term and the per-dimension KL, and the remedies for
 * posterior collapse.
 *
 * <ul>
 *   <li>{@link io.github.betavae.loss.Objective}: the contract the model calls once per step; it
 *       returns the objective and ∂objective/∂KL_d.</li>
 *   <li>{@link io.github.betavae.loss.BetaSchedule}: β constant, linearly warmed up, or cyclically
 *       annealed (Fu et al. 2019).</li>
 *   <li>{@link io.github.betavae.loss.ScheduledBeta}: {@code recon + β(step)·KL}.</li>
 *   <li>{@link io.github.betavae.loss.FreeBits}: a KL floor λ per dimension (Kingma et al. 2016), with
 *       any β schedule.</li>
 *   <li>{@link io.github.betavae.loss.CapacityObjective}: {@code recon + γ·|KL − C|} with C ramped
 *       (Burgess et al. 2018).</li>
 * </ul>
 *
 * All of them are computed in double; the coefficients handed to the backend are rounded to float.
 */
package io.github.betavae.loss;
