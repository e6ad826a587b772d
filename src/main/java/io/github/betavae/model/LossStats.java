package io.github.betavae.model;

/**
 * What one forward pass measured, as batch means per sample.
 *
 * @param loss the objective value
 * @param recon reconstruction term (nats per sample for Bernoulli)
 * @param kl total KL per sample, Σ_d klPerDim[d]
 * @param klPerDim KL per latent dimension, batch mean
 */
public record LossStats(double loss, double recon, double kl, double[] klPerDim) {}
