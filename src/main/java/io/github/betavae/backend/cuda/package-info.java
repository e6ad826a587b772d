/**
 * The CUDA engine: {@link io.github.betavae.backend.cuda.CudaBackend} runs the hand-written kernels
 * of {@code kernels/} on a {@link io.github.betavae.backend.cuda.Device} — the GPU through JCuda's
 * driver API ({@link io.github.betavae.backend.cuda.JCudaDevice}) or the CPU through the
 * host-execution harness ({@link io.github.betavae.backend.cuda.HostDevice}), which runs the same
 * kernel sources and lets every kernel be tested without a GPU. One typed launcher class per kernel
 * family ({@code DenseKernels}, {@code VaeKernels}, …) owns each kernel's argument order and checks
 * its preconditions.
 */
package io.github.betavae.backend.cuda;
