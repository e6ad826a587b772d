/**
 * Counter-based random numbers: {@link io.github.betavae.rng.Philox} (Philox4x32-10, checked against
 * Random123's known answers). Every random draw in the project is a pure function of (seed, element,
 * step, stream), which is what lets the CPU and GPU engines draw identical streams and makes results
 * independent of thread counts. Stream ids separate the uses: parameter init, reparameterization
 * noise, shuffling, metric sampling, prior samples and data splits.
 */
package io.github.betavae.rng;
