/**
 * Datasets: samples read one at a time as floats for the model.
 *
 * <ul>
 *   <li>{@link io.github.betavae.data.Dataset} and {@link io.github.betavae.data.Factors}: the contract
 *       (N samples of D features; optional ground-truth factors).</li>
 *   <li>{@link io.github.betavae.data.DSprites}: the built-in dSprites generator, 737,280 images drawn
 *       lazily from the original factor grid, with factor ↔ index maps.</li>
 *   <li>{@link io.github.betavae.data.Npy} and {@link io.github.betavae.data.NpyDataset}: NumPy
 *       {@code .npy} reading (memory-mapped) and writing; bad files raise {@link
 *       io.github.betavae.data.DataFormatException} naming the file, the expectation and the finding.</li>
 *   <li>{@link io.github.betavae.data.Subset} and {@link io.github.betavae.data.Shuffle}: seeded subsets,
 *       splits and per-epoch orders, all drawn from Philox so that one seed fixes them.</li>
 * </ul>
 *
 * <p>Pixel convention for files: uint8 data whose values are all 0 or 1 is used as is, other uint8 data
 * is divided by 255, float data is used as is.
 */
package io.github.betavae.data;
