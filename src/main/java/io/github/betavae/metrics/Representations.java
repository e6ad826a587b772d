package io.github.betavae.metrics;

/**
 * Turns rows of factor classes into codes: renders the observations and calls the encoder on up to
 * {@link #CHUNK} of them at a time, so that a metric's many small batches reach the encoder as few
 * large ones.
 */
final class Representations {
  /** Observations per encoder call; 512 dSprites images are 8 MB of floats. */
  static final int CHUNK = 512;

  private final GroundTruth truth;
  private final Encoder encoder;
  private final int features;
  private int latent = -1;
  private float[] images = new float[0];

  Representations(GroundTruth truth, Encoder encoder) {
    this.truth = truth;
    this.encoder = encoder;
    this.features = truth.features();
  }

  /** Z, known after the first call to {@link #encode}. */
  int latent() {
    return latent;
  }

  /**
   * The codes of {@code n} observations whose factor classes are {@code classes[i·F .. (i+1)·F)}, as
   * {@code n·Z} doubles.
   */
  double[] encode(int[] classes, int n) {
    int nf = truth.numFactors();
    int[] row = new int[nf];
    double[] codes = null;
    for (int start = 0; start < n; start += CHUNK) {
      int m = Math.min(CHUNK, n - start);
      if (images.length != m * features) images = new float[m * features];
      for (int i = 0; i < m; i++) {
        System.arraycopy(classes, (start + i) * nf, row, 0, nf);
        truth.render(row, images, i * features);
      }
      float[] out = encoder.encode(images, m);
      if (latent < 0) {
        if (out.length == 0 || out.length % m != 0) {
          throw new IllegalStateException("encoder: expected a whole number ≥ 1 of code values per observation for "
              + m + " observations but found " + out.length + " values");
        }
        latent = out.length / m;
      } else if (out.length != m * latent) {
        throw new IllegalStateException("encoder: expected " + m * latent + " code values (" + m + " × "
            + latent + ") but found " + out.length);
      }
      if (codes == null) codes = new double[n * latent];
      for (int i = 0; i < out.length; i++) codes[start * latent + i] = out[i];
    }
    return codes == null ? new double[0] : codes;
  }
}
