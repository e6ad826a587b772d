package io.github.betavae.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.ParamLayout;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.train.Bars;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraversalsTest {
  @TempDir Path dir;

  static final VaeConfig NET = new VaeConfig(64, List.of(16), Activation.RELU, 3, List.of(16), Activation.TANH,
      Likelihood.BERNOULLI, 1.0);
  static final int CELL = 8 * ImageGrid.scaleFor(8);

  /**
   * A model whose posterior is known: the encoder head ignores x and gives μ = (1, 0, 2), log σ² = 0,
   * so KL per dimension is ½μ² = (0.5, 0, 2) and the rows must come as z2, z0, z1. The decoder never
   * reads z1 (its column of the first decoder weight is zero), so z1's row cannot change.
   */
  static void makeKnownModel(BetaVae vae) {
    vae.initialize(7);
    float[] p = vae.paramsToHost();
    ParamLayout.Layer head = vae.layout().head();
    java.util.Arrays.fill(p, (int) head.weight().offset(), (int) (head.weight().offset() + head.weight().size()), 0f);
    java.util.Arrays.fill(p, (int) head.bias().offset(), (int) (head.bias().offset() + head.bias().size()), 0f);
    p[(int) head.bias().offset()] = 1f;
    p[(int) head.bias().offset() + 2] = 2f;
    ParamLayout.Tensor w = vae.layout().decoderLayers().get(0).weight(); // (16, Z) like nn.Linear
    for (int r = 0; r < w.rows(); r++) p[(int) w.offset() + r * w.cols() + 1] = 0f;
    vae.loadParams(p);
  }

  /** The gray values of grid cell (row, col). */
  static int[] cell(BufferedImage img, int row, int col) {
    int x = Traversals.MARGIN + ImageGrid.GAP + col * (CELL + ImageGrid.GAP), y = ImageGrid.GAP + row * (CELL + ImageGrid.GAP);
    return img.getRaster().getPixels(x, y, CELL, CELL, (int[]) null);
  }

  static boolean rowVaries(BufferedImage img, int row, int steps) {
    for (int c = 1; c < steps; c++) if (!java.util.Arrays.equals(cell(img, row, 0), cell(img, row, c))) return true;
    return false;
  }

  static String description(Path png) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(png.toFile())) {
      ImageReader r = ImageIO.getImageReaders(in).next();
      r.setInput(in);
      IIOMetadataNode root = (IIOMetadataNode) r.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
      org.w3c.dom.NodeList entries = root.getElementsByTagName("tEXtEntry");
      for (int i = 0; i < entries.getLength(); i++) {
        IIOMetadataNode e = (IIOMetadataNode) entries.item(i);
        if (Traversals.DESCRIPTION.equals(e.getAttribute("keyword"))) return e.getAttribute("value");
      }
      r.dispose();
      return null;
    }
  }

  @Test
  void rowsAreSortedByKlAndAnUnusedDimensionGivesAConstantRow() throws IOException {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(NET, be)) {
      makeKnownModel(vae);
      Path png = dir.resolve("t.png");
      Traversals.Result res = Traversals.write(vae, new Bars(40), 5, new Traversals.Options(3, 10, 1000, 0), png);
      assertArrayEquals(new int[] {2, 0, 1}, res.order());
      assertArrayEquals(new double[] {0.5, 0, 2}, res.klPerDim(), 1e-6);
      BufferedImage img = ImageIO.read(png.toFile());
      assertEquals(Traversals.MARGIN + 10 * CELL + 11 * ImageGrid.GAP, img.getWidth(), "10 steps");
      assertEquals(3 * CELL + 4 * ImageGrid.GAP, img.getHeight(), "3 latent dimensions");
      assertTrue(rowVaries(img, 0, 10), "z2 is read by the decoder");
      assertTrue(rowVaries(img, 1, 10), "z0 is read by the decoder");
      assertFalse(rowVaries(img, 2, 10), "z1 is not read by the decoder");
      // KL bars in the margin: full height for z2, a quarter (0.5 / 2) for z0, none for z1.
      int x = Traversals.MARGIN / 2;
      assertEquals(CELL, barHeight(img, x, 0));
      assertEquals(CELL / 4, barHeight(img, x, 1));
      assertEquals(0, barHeight(img, x, 2));
      String d = description(png);
      assertTrue(d.contains("row 0 = z2 (KL 2.0000 nats); row 1 = z0 (KL 0.5000 nats); row 2 = z1 (KL 0.0000 nats)"), d);
      assertTrue(d.contains("data index 5"), d);
    }
  }

  static int barHeight(BufferedImage img, int x, int row) {
    int y0 = ImageGrid.GAP + row * (CELL + ImageGrid.GAP), n = 0;
    for (int y = y0; y < y0 + CELL; y++) if (img.getRaster().getSample(x, y, 0) == 255) n++;
    return n;
  }

  @Test
  void traversalColumnsRunOverTheRangeForTheRowsDimensionOnly() {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(NET, be)) {
      vae.initialize(3);
      float[] mu = {0.25f, -0.5f, 1f};
      // Rows by KL: z1, z2, z0. The first cell of row 0 is z = (0.25, -3, 1): decode it directly.
      BufferedImage img = Traversals.grid(vae, mu, new double[] {0.1, 3, 2}, 3, 4);
      float[] px = Figures.toPixels(vae.decode(new float[] {0.25f, -3f, 1f}, 1), Likelihood.BERNOULLI);
      int[] expect = ImageGrid.grid(px, 1, 8, 8, 1, ImageGrid.scaleFor(8)).getRaster()
          .getPixels(ImageGrid.GAP, ImageGrid.GAP, CELL, CELL, (int[]) null);
      assertArrayEquals(expect, cell(img, 0, 0));
      // Last cell of row 2 (z0): z = (3, -0.5, 1).
      px = Figures.toPixels(vae.decode(new float[] {3f, -0.5f, 1f}, 1), Likelihood.BERNOULLI);
      expect = ImageGrid.grid(px, 1, 8, 8, 1, ImageGrid.scaleFor(8)).getRaster()
          .getPixels(ImageGrid.GAP, ImageGrid.GAP, CELL, CELL, (int[]) null);
      assertArrayEquals(expect, cell(img, 2, 3));
    }
  }

  @Test
  void badOptionsAndIndicesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Traversals.Options(0, 10, 1000, 0));
    assertThrows(IllegalArgumentException.class, () -> new Traversals.Options(3, 1, 1000, 0));
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(NET, be)) {
      vae.initialize(0);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Traversals.traverse(vae, new Bars(10), 10, Traversals.Options.defaults(0)));
      assertTrue(e.getMessage().contains("[0, 10)"), e.getMessage());
    }
    int i = Traversals.pickIndex(new Bars(1000), 4);
    assertTrue(i >= 0 && i < 1000);
    assertEquals(i, Traversals.pickIndex(new Bars(1000), 4), "seeded");
  }
}
