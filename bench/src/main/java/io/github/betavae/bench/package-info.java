/**
 * JMH benchmarks of the betavae engines beside their peers: {@code SgemmBench} (dense products vs
 * ND4J/OpenBLAS sgemm), {@code OpsBench} (fused reparam+KL, likelihood, Adam),
 * {@code TrainStepBench} (a whole default-net train step vs DL4J's VariationalAutoencoder), and
 * {@code ConvStepBench} (a whole {@code --arch conv} train step vs the same network built from DL4J's
 * convolution layers, {@code Dl4jConvVae}).
 * FLOP and byte counts per invocation live in {@code bench/summarize.py}, which turns JMH's JSON
 * into the tables of {@code bench/RESULTS.md}.
 */
package io.github.betavae.bench;
