/**
 * Datasets: samples read one at a time as floats for the model.
 *
 * <ul>
 *   <li>{@link io.github.betavae.data.Dataset} and {@link io.github.betavae.data.Factors}: the contract
 *       (N samples of D features; optional ground-truth factors).</li>
 *   <li>{@link io.github.betavae.data.Datasets}: opens any supported file, recognising the format by its
 *       first bytes, and checks values before training (finite; in [0, 1] for Bernoulli).</li>
 *   <li>{@link io.github.betavae.data.DSprites}: the built-in dSprites generator, 737,280 images drawn
 *       lazily from the original factor grid, with factor ↔ index maps.</li>
 *   <li>{@link io.github.betavae.data.Npy} and {@link io.github.betavae.data.NpyDataset}: NumPy
 *       {@code .npy} reading (memory-mapped, C or Fortran order) and writing.</li>
 *   <li>{@link io.github.betavae.data.Npz}: NumPy {@code .npz} archives such as the original dSprites
 *       file, with {@code latents_classes}/{@code latents_values} as factors.</li>
 *   <li>{@link io.github.betavae.data.Idx}: MNIST IDX files, with the labels file beside them as a
 *       factor.</li>
 *   <li>{@link io.github.betavae.data.Csv}: comma-separated numbers, one sample per line.</li>
 *   <li>{@link io.github.betavae.data.Subset} and {@link io.github.betavae.data.Shuffle}: seeded subsets,
 *       splits and per-epoch orders, all drawn from Philox so that one seed fixes them.</li>
 * </ul>
 *
 * <p>Bad files raise {@link io.github.betavae.data.DataFormatException} with one line naming the file,
 * the expectation and the finding. Pixel convention for files: uint8 data whose values are all 0 or 1
 * is used as is, other uint8 data is divided by 255, all other types are used as is.
 */
package io.github.betavae.data;
