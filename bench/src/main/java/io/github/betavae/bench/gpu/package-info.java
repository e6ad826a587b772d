/**
 * JMH benchmarks of the CUDA engine on a GPU: {@code GpuDenseBench} (dense products against cuBLAS
 * sgemm), {@code GpuOpsBench} (the memory-bound kernels: reparameterization + KL, likelihood,
 * gather, Adam), {@code GpuTrainStepBench} (a whole default-net train step: the trainer's path,
 * queued launches, and CUDA graph replay). {@code GpuTrainCheck} runs a few self-checking train
 * steps (for compute-sanitizer) and {@code GpuProbe} reports the device. Every benchmark opens the
 * GPU in its trial setup and fails with one line where there is none. {@code bench/gpu-kit.sh}
 * runs all of it on a GPU machine; {@code bench/summarize.py} turns the results into tables.
 */
package io.github.betavae.bench.gpu;
