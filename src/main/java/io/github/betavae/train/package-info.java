/** The training loop, its configuration, listeners (metrics.csv, progress) and epoch ordering. */
package io.github.betavae.train;
