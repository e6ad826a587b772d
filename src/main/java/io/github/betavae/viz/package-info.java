/**
 * PNG figures: image grids of prior samples and reconstructions ({@link io.github.betavae.viz.Figures}),
 * latent traversals ordered by KL ({@link io.github.betavae.viz.Traversals}), and charts of training
 * curves and the rate–distortion plane ({@link io.github.betavae.viz.Plots}).
 */
package io.github.betavae.viz;
