/** The {@code betavae} command line: train, eval, sample and info, built on picocli. */
package io.github.betavae.cli;
