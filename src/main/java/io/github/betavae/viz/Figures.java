package io.github.betavae.viz;

import io.github.betavae.backend.Likelihood;
import io.github.betavae.data.Dataset;
import io.github.betavae.model.BetaVae;
import io.github.betavae.rng.Philox;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/** The standard figures of a run: decoded prior samples and reconstructions beside their inputs. */
public final class Figures {
  private Figures() {}

  /**
   * Decoder outputs as pixel intensities: the Bernoulli mean σ(logit), or the Gaussian mean as is
   * (the grid clamps it to [0, 1]).
   */
  public static float[] toPixels(float[] decoded, Likelihood likelihood) {
    float[] p = new float[decoded.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = likelihood == Likelihood.BERNOULLI ? (float) (1.0 / (1.0 + Math.exp(-decoded[i]))) : decoded[i];
    }
    return p;
  }

  /**
   * z ~ N(0, I) for n samples: Philox normals, key {@code seed}, counter (quad, 0, STREAM_PRIOR, 0),
   * element i·Z + d. The same seed always gives the same latents.
   */
  public static float[] priorLatents(int n, int latent, long seed) {
    float[] z = new float[n * latent];
    int[] scratch = new int[4];
    float[] quad = new float[4];
    for (int q = 0; q * 4 < z.length; q++) {
      Philox.normals(seed, q, 0, Philox.STREAM_PRIOR, scratch, quad, 0);
      for (int k = 0; k < 4 && q * 4 + k < z.length; k++) z[q * 4 + k] = quad[k];
    }
    return z;
  }

  /** Decodes n prior draws and lays them out in a near-square grid. */
  public static BufferedImage samples(BetaVae model, int n, long seed) {
    if (n < 1) throw new IllegalArgumentException("sample: expected n ≥ 1 but found " + n);
    int zl = model.config().latent();
    float[] px = toPixels(model.decode(priorLatents(n, zl, seed), n), model.config().likelihood());
    int[] hw = ImageGrid.shapeFor(model.config().inputSize());
    int cols = (int) Math.ceil(Math.sqrt(n));
    return ImageGrid.grid(px, n, hw[0], hw[1], cols, ImageGrid.scaleFor(hw[0]));
  }

  /** Writes {@link #samples} to a PNG file. */
  public static void writeSamples(BetaVae model, int n, long seed, Path png) throws IOException {
    ImageGrid.writePng(samples(model, n, seed), png);
  }

  /**
   * {@code n} samples of {@code data} and their posterior-mean reconstructions: rows of 8 inputs,
   * each followed by a row of the reconstructions. Sample i is {@code ⌊frac(i·φ)·N⌋} (φ the golden
   * ratio): deterministic, and unlike evenly spaced indices it does not alias with a factor grid,
   * so dSprites shows varied shapes, scales, rotations and positions.
   */
  public static BufferedImage reconstructions(BetaVae model, Dataset data, int n) {
    int d = model.config().inputSize();
    if (data.features() != d) {
      throw new IllegalArgumentException("reconstructions: expected " + d + " features but found " + data.features() + " in " + data.describe());
    }
    n = Math.min(n, data.size());
    if (n < 1) throw new IllegalArgumentException("reconstructions: the data holds no samples");
    float[] x = new float[n * d];
    for (int i = 0; i < n; i++) data.copy(spread(i, data.size()), x, i * d);
    model.backend().write(model.input(n), x);
    BetaVae.Eval ev = model.evaluate(n, 0, 0, false);
    int zl = model.config().latent();
    float[] mu = new float[n * zl];
    for (int i = 0; i < n; i++) System.arraycopy(ev.stats(), i * 2 * zl, mu, i * zl, zl);
    float[] rec = toPixels(model.decode(mu, n), model.config().likelihood());
    int cols = Math.min(8, n);
    int rows = (n + cols - 1) / cols;
    float[] cells = new float[2 * rows * cols * d];
    int cell = 0;
    for (int r = 0; r < rows; r++) {
      for (int pass = 0; pass < 2; pass++) {
        float[] src = pass == 0 ? x : rec;
        for (int c = 0; c < cols; c++, cell++) {
          int i = r * cols + c;
          if (i < n) System.arraycopy(src, i * d, cells, cell * d, d);
        }
      }
    }
    int[] hw = ImageGrid.shapeFor(d);
    return ImageGrid.grid(cells, 2 * rows * cols, hw[0], hw[1], cols, ImageGrid.scaleFor(hw[0]));
  }

  /** The i-th index of the golden-ratio sequence over [0, size). */
  static int spread(int i, int size) {
    double f = i * 0.6180339887498949;
    return (int) Math.min(size - 1, Math.floor((f - Math.floor(f)) * size));
  }

  /** Writes {@link #reconstructions} to a PNG file. */
  public static void writeReconstructions(BetaVae model, Dataset data, int n, Path png) throws IOException {
    ImageGrid.writePng(reconstructions(model, data, n), png);
  }
}
