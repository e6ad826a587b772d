/**
 * The pure-Java CPU backend: the reference every other backend is checked against, and a usable
 * trainer on machines without a GPU.
 *
 * <ul>
 *   <li>{@link io.github.betavae.backend.cpu.CpuBackend} — the backend; fast multi-threaded ops by
 *       default, the naive oracle with {@code CpuBackend.naive(threads)}.</li>
 *   <li>{@link io.github.betavae.backend.cpu.NaiveOps} — every op written as plainly as possible,
 *       single-threaded.</li>
 *   <li>{@code DenseOps} and {@code Gemm} — dense layers as cache-blocked products over packed row
 *       arrays, which HotSpot compiles to AVX2/AVX-512 FMA loops.</li>
 *   <li>{@code ElementOps} — reparameterization with KL, likelihoods and Adam, split over rows or
 *       fixed chunks.</li>
 *   <li>{@code WorkerPool} — the backend's fixed set of daemon worker threads.</li>
 * </ul>
 *
 * <p>Determinism: every output element's reduction runs inside one task in an order fixed by the
 * problem's shape, so results are bit-identical for any number of threads.
 */
package io.github.betavae.backend.cpu;
