/**
 * Diagnostics of the latent code and disentanglement metrics, all seeded from Philox stream
 * {@code STREAM_METRICS} and deterministic.
 *
 * <ul>
 *   <li>{@link io.github.betavae.metrics.Evaluator}: held-out reconstruction, per-dimension KL, loss
 *       and active units of a trained model (what {@code betavae eval} prints).</li>
 *   <li>{@link io.github.betavae.metrics.MutualInfo}: He et al. 2019's estimate of I(x; z) from
 *       per-sample posteriors, for spotting posterior collapse.</li>
 *   <li>{@link io.github.betavae.metrics.Encoder} and {@link io.github.betavae.metrics.GroundTruth}: a
 *       representation function and data with known factors (dSprites, or any full factor grid), so the
 *       metrics run on a trained model or on synthetic cases alike.</li>
 *   <li>{@link io.github.betavae.metrics.BetaVaeMetric}, {@link io.github.betavae.metrics.FactorVaeMetric}
 *       and {@link io.github.betavae.metrics.Mig}: the three disentanglement scores with
 *       disentanglement_lib's definitions and default counts; {@link
 *       io.github.betavae.metrics.Disentanglement} runs all three.</li>
 *   <li>{@link io.github.betavae.metrics.LogisticRegression}: the β-VAE metric's classifier.</li>
 * </ul>
 */
package io.github.betavae.metrics;
