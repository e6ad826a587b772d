package io.github.betavae.viz;

import io.github.betavae.checkpoint.AtomicFiles;
import io.github.betavae.data.Dataset;
import io.github.betavae.data.Subset;
import io.github.betavae.metrics.Encoder;
import io.github.betavae.metrics.Evaluator;
import io.github.betavae.model.BetaVae;
import io.github.betavae.rng.Philox;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Latent traversals: what each latent dimension encodes. Starting from the posterior mean μ(x) of
 * one input, dimension d is set to evenly spaced values over [−range, range] while the others keep
 * their posterior mean, and each code is decoded (Bernoulli logits through the sigmoid).
 *
 * <p>The grid has one row per latent dimension (at most {@value #MAX_ROWS}: a wider code shows its
 * dimensions with the largest KL) and one column per value. Rows are sorted by the dimension's mean
 * KL on a reference set, largest first, so the dimensions the model uses come on
 * top and collapsed ones (KL ≈ 0, rows that do not change) at the bottom. A narrow left margin holds
 * a white bar per row whose height is the row's KL relative to the largest. The PNG's
 * {@code Description} text chunk names the dimension of each row and its KL.
 */
public final class Traversals {
  /** Width of the left margin that holds the KL bars, in pixels. */
  public static final int MARGIN = 10;
  /** Most rows drawn; the cost of a grid grows with rows × Z, so wide codes show their top dimensions. */
  public static final int MAX_ROWS = 32;
  /** Key of the PNG text chunk that describes the rows. */
  public static final String DESCRIPTION = "Description";

  private Traversals() {}

  /**
   * How to traverse.
   *
   * @param range the values run over [−range, range]
   * @param steps values per dimension (columns), ≥ 2
   * @param reference samples of the data whose mean KL orders the rows (fewer if the data is smaller)
   * @param seed picks the reference samples
   */
  public record Options(double range, int steps, int reference, long seed) {
    public Options {
      if (!(range > 0) || Double.isInfinite(range)) {
        throw new IllegalArgumentException("traversal: expected a finite range > 0 but found " + range);
      }
      if (steps < 2 || steps > 100) throw new IllegalArgumentException("traversal: expected 2 to 100 steps but found " + steps);
      if (reference < 1) throw new IllegalArgumentException("traversal: expected ≥ 1 reference samples but found " + reference);
    }

    /** [−3, 3] in 10 steps, rows ordered on 1,000 samples. */
    public static Options defaults(long seed) {
      return new Options(3.0, 10, 1000, seed);
    }
  }

  /**
   * A rendered traversal.
   *
   * @param image the grid, rows top to bottom in {@code order}
   * @param order the latent dimension of each row: dimensions by KL, descending (ties by index), the
   *     first {@value #MAX_ROWS} at most
   * @param klPerDim mean KL of each latent dimension (indexed by dimension, not row) on the reference set
   * @param index the data index of the input whose posterior mean is the starting point
   */
  public record Result(BufferedImage image, int[] order, double[] klPerDim, int index) {}

  /** A seeded index into the data, for when no input is named: Philox key {@code seed}, metrics stream. */
  public static int pickIndex(Dataset data, long seed) {
    if (data.size() < 1) throw new IllegalArgumentException("traversal: the data holds no samples: " + data.describe());
    return Philox.below(seed, 0, 0, Philox.STREAM_METRICS, data.size());
  }

  /** Dimensions sorted by {@code kl} descending; equal values keep index order. */
  public static int[] byKlDescending(double[] kl) {
    Integer[] idx = new Integer[kl.length];
    for (int i = 0; i < idx.length; i++) idx[i] = i;
    Arrays.sort(idx, (a, b) -> Double.compare(kl[b], kl[a]));
    return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
  }

  /**
   * Traverses from sample {@code index} of {@code data}, with rows ordered by the mean KL on a
   * seeded subset of {@code opt.reference()} samples of the same data.
   */
  public static Result traverse(BetaVae model, Dataset data, int index, Options opt) {
    int d = model.config().inputSize();
    if (data.features() != d) {
      throw new IllegalArgumentException("traversal: expected " + d + " features but found " + data.features() + " in " + data.describe());
    }
    if (index < 0 || index >= data.size()) {
      throw new IllegalArgumentException("traversal: expected an index in [0, " + data.size() + ") but found " + index);
    }
    Dataset ref = opt.reference() >= data.size() ? data : Subset.random(data, opt.reference(), opt.seed());
    double[] kl = Evaluator.evaluate(model, ref, true, 0, Math.min(256, ref.size())).klPerDim();
    float[] x = new float[d];
    data.copy(index, x, 0);
    float[] mu = Encoder.posteriorMean(model, 1).encode(x, 1);
    int[] order = byKlDescending(kl);
    return new Result(grid(model, mu, kl, opt.range(), opt.steps()),
        Arrays.copyOf(order, Math.min(order.length, MAX_ROWS)), kl, index);
  }

  /**
   * The traversal grid around the code {@code mu} (Z values), rows ordered by {@code klPerDim}
   * descending: (MARGIN + steps·cell + gaps) × (Z·cell + gaps) pixels, cells as in {@link ImageGrid}.
   */
  public static BufferedImage grid(BetaVae model, float[] mu, double[] klPerDim, double range, int steps) {
    int zl = model.config().latent(), d = model.config().inputSize();
    if (mu.length != zl || klPerDim.length != zl) {
      throw new IllegalArgumentException("traversal: expected " + zl + " latent means and KL values but found "
          + mu.length + " and " + klPerDim.length);
    }
    int[] order = byKlDescending(klPerDim);
    int rows = Math.min(zl, MAX_ROWS);
    float[] z = new float[rows * steps * zl];
    for (int row = 0; row < rows; row++) {
      for (int c = 0; c < steps; c++) {
        int at = (row * steps + c) * zl;
        System.arraycopy(mu, 0, z, at, zl);
        z[at + order[row]] = (float) (-range + 2 * range * c / (steps - 1));
      }
    }
    float[] px = Figures.toPixels(model.decode(z, rows * steps), model.config().likelihood());
    int[] hw = ImageGrid.shapeFor(d);
    int scale = ImageGrid.scaleFor(hw[0]);
    BufferedImage g = ImageGrid.grid(px, rows * steps, hw[0], hw[1], steps, scale);
    BufferedImage out = new BufferedImage(MARGIN + g.getWidth(), g.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster r = out.getRaster();
    r.setRect(MARGIN, 0, g.getRaster());
    double max = 0;
    for (double v : klPerDim) if (v > max) max = v;
    int cell = hw[0] * scale;
    for (int row = 0; row < rows; row++) {
      int y0 = ImageGrid.GAP + row * (cell + ImageGrid.GAP);
      int bar = max > 0 && klPerDim[order[row]] > 0 ? (int) Math.max(1, Math.round(cell * klPerDim[order[row]] / max)) : 0;
      // The margin is black; the bar grows upward from the bottom of its row, 2 pixels in from each side.
      for (int y = y0 + cell - bar; y < y0 + cell; y++) for (int x = 2; x < MARGIN - 2; x++) r.setSample(x, y, 0, 255);
    }
    return out;
  }

  /** The text of the PNG's {@value #DESCRIPTION} chunk: one "row: dimension, KL" entry per row. */
  static String describe(Result res, Options opt) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "latent traversals of data index %d over [-%s, %s] in %d steps; rows by KL descending%s:", res.index(),
        opt.range(), opt.range(), opt.steps(), res.order().length < res.klPerDim().length
            ? " (the " + res.order().length + " of " + res.klPerDim().length + " dimensions with the largest KL)" : ""));
    for (int row = 0; row < res.order().length; row++) {
      int dim = res.order()[row];
      sb.append(String.format(Locale.ROOT, " row %d = z%d (KL %.4f nats)%s", row, dim, res.klPerDim()[dim],
          row + 1 < res.order().length ? ";" : ""));
    }
    return sb.toString();
  }

  /** {@link #traverse} and write the grid as a PNG (atomically), with its row description as text. */
  public static Result write(BetaVae model, Dataset data, int index, Options opt, Path png) throws IOException {
    Result res = traverse(model, data, index, opt);
    writePng(res.image(), describe(res, opt), png);
    return res;
  }

  /** PNG with a tEXt chunk; tEXt is Latin-1, which {@link #describe} keeps to. */
  static void writePng(BufferedImage img, String description, Path png) throws IOException {
    AtomicFiles.write(png, out -> {
      ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
      try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
        IIOMetadata md = w.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), w.getDefaultWriteParam());
        IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
        entry.setAttribute("keyword", DESCRIPTION);
        entry.setAttribute("value", description);
        IIOMetadataNode text = new IIOMetadataNode("tEXt");
        text.appendChild(entry);
        IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
        root.appendChild(text);
        md.mergeTree("javax_imageio_png_1.0", root);
        w.setOutput(ios);
        w.write(new IIOImage(img, null, md));
      } finally {
        w.dispose();
      }
    });
  }
}
