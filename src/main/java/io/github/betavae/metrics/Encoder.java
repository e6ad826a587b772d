package io.github.betavae.metrics;

import io.github.betavae.model.BetaVae;

/**
 * A representation function: a batch of observations to one code vector each. For a VAE this is the
 * posterior mean μ(x), the representation disentanglement metrics are defined on.
 */
@FunctionalInterface
public interface Encoder {

  /**
   * Encodes {@code n} observations given as {@code images[i·D .. (i+1)·D)} (D features each) and
   * returns their codes as {@code n·Z} values, code i at {@code [i·Z, (i+1)·Z)}. Z must be the same for
   * every call.
   */
  float[] encode(float[] images, int n);

  /**
   * The posterior mean μ(x) of {@code model}, computed on its backend in batches of {@code batch}
   * observations; a short last batch is padded with zeros so that the model keeps one workspace.
   */
  static Encoder posteriorMean(BetaVae model, int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("posterior-mean encoder: expected batch ≥ 1 but found " + batch);
    }
    int d = model.config().inputSize();
    int z = model.config().latent();
    return (images, n) -> {
      if (images.length < (long) n * d) {
        throw new IllegalArgumentException("posterior-mean encoder: expected " + (long) n * d
            + " input values (" + n + " × " + d + ") but found " + images.length);
      }
      float[] out = new float[n * z];
      float[] x = new float[batch * d];
      for (int start = 0; start < n; start += batch) {
        int m = Math.min(batch, n - start);
        System.arraycopy(images, start * d, x, 0, m * d);
        if (m < batch) java.util.Arrays.fill(x, m * d, batch * d, 0f);
        model.backend().write(model.input(batch), x);
        // sample = false: z = μ, so seed and step do not matter.
        float[] stats = model.evaluate(batch, 0, 0, false).stats();
        for (int i = 0; i < m; i++) System.arraycopy(stats, i * 2 * z, out, (start + i) * z, z);
      }
      return out;
    };
  }
}
