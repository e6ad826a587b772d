package io.github.betavae.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.betavae.backend.Activation;
import io.github.betavae.backend.Likelihood;
import io.github.betavae.backend.cpu.CpuBackend;
import io.github.betavae.model.BetaVae;
import io.github.betavae.model.VaeConfig;
import io.github.betavae.rng.Philox;
import io.github.betavae.train.Bars;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FiguresTest {
  @TempDir Path dir;

  static final VaeConfig NET = new VaeConfig(64, List.of(16), Activation.RELU, 3, List.of(16), Activation.TANH,
      Likelihood.BERNOULLI, 1.0);

  @Test
  void bernoulliOutputsGoThroughTheSigmoid() {
    float[] p = Figures.toPixels(new float[] {0f, 100f, -100f, 1f}, Likelihood.BERNOULLI);
    assertEquals(0.5f, p[0]);
    assertEquals(1f, p[1], 1e-6f);
    assertEquals(0f, p[2], 1e-6f);
    assertEquals(0.7310586f, p[3], 1e-6f);
    assertArrayEquals(new float[] {0.3f, 1.7f}, Figures.toPixels(new float[] {0.3f, 1.7f}, Likelihood.GAUSSIAN));
  }

  @Test
  void priorLatentsArePhiloxNormalsForTheSeed() {
    float[] z = Figures.priorLatents(3, 3, 42);
    for (int e = 0; e < 9; e++) assertEquals(Philox.normal(42, e, 0, Philox.STREAM_PRIOR), z[e], "element " + e);
    assertNotEquals(z[0], Figures.priorLatents(3, 3, 43)[0]);
  }

  @Test
  void reconstructionInputsAreDistinctAndSpreadOverTheData() {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    int low = 0;
    for (int i = 0; i < 32; i++) {
      int k = Figures.spread(i, 737280);
      assertTrue(k >= 0 && k < 737280);
      seen.add(k % 1024); // dSprites position (x, y) of the sample
      if (k < 737280 / 2) low++;
    }
    assertEquals(32, seen.size(), "32 different positions");
    assertTrue(low >= 12 && low <= 20, "both halves of the data are used: " + low);
    assertEquals(0, Figures.spread(0, 10));
    assertEquals(6, Figures.spread(1, 10), "frac(φ) = 0.618…");
    assertEquals(0, Figures.spread(5, 10), "frac(5φ) = 0.090…");
  }

  @Test
  void sampleAndReconstructionFiguresHaveTheExpectedGrid() throws IOException {
    try (CpuBackend be = new CpuBackend(1); BetaVae vae = new BetaVae(NET, be)) {
      vae.initialize(1);
      Path s1 = dir.resolve("s1.png"), s2 = dir.resolve("s2.png"), r = dir.resolve("r.png");
      Figures.writeSamples(vae, 10, 5, s1);
      Figures.writeSamples(vae, 10, 5, s2);
      assertArrayEquals(Files.readAllBytes(s1), Files.readAllBytes(s2), "same seed, same figure");
      int cell = 8 * ImageGrid.scaleFor(8);
      BufferedImage s = ImageIO.read(s1.toFile());
      assertEquals(4 * cell + 5 * ImageGrid.GAP, s.getWidth(), "10 samples → 4 columns");
      assertEquals(3 * cell + 4 * ImageGrid.GAP, s.getHeight(), "10 samples → 3 rows");
      Figures.writeReconstructions(vae, new Bars(64), 16, r);
      BufferedImage rec = ImageIO.read(r.toFile());
      assertEquals(8 * cell + 9 * ImageGrid.GAP, rec.getWidth());
      assertEquals(4 * cell + 5 * ImageGrid.GAP, rec.getHeight(), "2 rows of inputs, each with a row of reconstructions");
      // Input 0 of Bars has a bar on row 0 and column 0: its top-left pixel is white.
      assertEquals(255, rec.getRaster().getSample(ImageGrid.GAP, ImageGrid.GAP, 0));
    }
  }
}
