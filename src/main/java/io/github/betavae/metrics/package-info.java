/** Evaluation of trained models: held-out loss terms and posterior-collapse diagnostics. */
package io.github.betavae.metrics;
