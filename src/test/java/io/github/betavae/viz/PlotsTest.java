package io.github.betavae.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
  @TempDir Path dir;

  /** A metrics.csv as MetricsCsv writes it: falling loss, rising KL, 3 latent dimensions. */
  private Path syntheticMetrics(int rows) throws IOException {
    StringBuilder sb = new StringBuilder("step,epoch,loss,recon,kl,beta,kl_0,kl_1,kl_2\n");
    for (int s = 1; s <= rows; s++) {
      double recon = 500.0 / Math.sqrt(s), k0 = Math.log1p(s), k1 = 0.5 * Math.log1p(s), k2 = 0.0;
      double kl = k0 + k1 + k2;
      sb.append(String.format(Locale.ROOT, "%d,0,%.7g,%.7g,%.7g,4,%.7g,%.7g,%.7g%n", s, recon + 4 * kl, recon, kl, k0, k1, k2));
    }
    Path f = dir.resolve("metrics.csv");
    Files.writeString(f, sb);
    return f;
  }

  static int distinctColors(BufferedImage img) {
    Set<Integer> c = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) c.add(img.getRGB(x, y));
    return c.size();
  }

  @Test
  void trainingCurvesAreATwoPanelPng() throws IOException {
    Path png = dir.resolve("curves.png");
    Plots.trainingCurves(syntheticMetrics(50), png);
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(Plots.WIDTH, img.getWidth());
    assertEquals(2 * Plots.PANEL_HEIGHT, img.getHeight());
    assertTrue(distinctColors(img) > 10, "lines, axes and text drawn: " + distinctColors(img) + " colors");
    // Both panels hold a chart: neither half is blank.
    BufferedImage top = img.getSubimage(0, 0, Plots.WIDTH, Plots.PANEL_HEIGHT);
    BufferedImage bottom = img.getSubimage(0, Plots.PANEL_HEIGHT, Plots.WIDTH, Plots.PANEL_HEIGHT);
    assertTrue(distinctColors(top) > 10 && distinctColors(bottom) > 10);
    Path again = dir.resolve("again.png");
    Plots.trainingCurves(dir.resolve("metrics.csv"), again);
    assertArrayEquals(Files.readAllBytes(png), Files.readAllBytes(again), "same metrics, same figure");
  }

  @Test
  void oneRowAndNoPerDimensionColumnsStillDraw() throws IOException {
    Path f = dir.resolve("short.csv"), png = dir.resolve("short.png");
    Files.writeString(f, "step,loss,recon,kl\n1,2840.5,2840.1,0.1\n");
    Plots.trainingCurves(f, png);
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(2 * Plots.PANEL_HEIGHT, img.getHeight());
    assertTrue(distinctColors(img) > 10);
    Files.writeString(f, "step,loss,recon,kl,kl_0\n1,NaN,NaN,NaN,NaN\n2,NaN,NaN,NaN,NaN\n");
    Plots.trainingCurves(f, png);
    assertEquals(Plots.WIDTH, ImageIO.read(png.toFile()).getWidth(), "a diverged run still gets its (empty) chart");
  }

  @Test
  void longRunsAreAveragedIntoBuckets() {
    double[] x = new double[10_000], y = new double[10_000];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
      y[i] = i % 2; // per-step noise that the bucket means flatten
    }
    y[7] = Double.NaN;
    double[][] xy = Plots.Metrics.downsample(x, y, 1000);
    assertEquals(1000, xy[0].length);
    assertEquals(14.5, xy[0][1], 1e-12, "bucket 1 covers steps 10..19");
    assertEquals(0.5, xy[1][1], 1e-12);
    assertEquals(4.0 / 9, xy[1][0], 1e-12, "the NaN at step 7 is left out of bucket 0");
    double[][] few = Plots.Metrics.downsample(new double[] {1, 2}, new double[] {3, Double.POSITIVE_INFINITY}, 1000);
    assertArrayEquals(new double[] {1}, few[0]);
    assertArrayEquals(new double[] {3}, few[1]);
  }

  @Test
  void badMetricsAreRefusedWithTheColumnAndLine() throws IOException {
    Path f = dir.resolve("bad.csv");
    Files.writeString(f, "step,loss,recon\n1,2,3\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(f, dir.resolve("x.png")));
    assertTrue(e.getMessage().contains("column kl"), e.getMessage());
    Files.writeString(f, "step,loss,recon,kl\n1,2,x,4\n");
    e = assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(f, dir.resolve("x.png")));
    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("recon"), e.getMessage());
    Files.writeString(f, "step,loss,recon,kl\n");
    assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(f, dir.resolve("x.png")));
    assertFalse(Files.exists(dir.resolve("x.png")), "nothing written on failure");
  }

  @Test
  void rateDistortionWithThreeLabelledPoints() throws IOException {
    Path png = dir.resolve("rd.png");
    List<Plots.RdPoint> pts = List.of(new Plots.RdPoint("β=1", 25, 80), new Plots.RdPoint("β=4", 12, 120),
        new Plots.RdPoint("β=16", 3, 250));
    Plots.rateDistortion(pts, png);
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(Plots.WIDTH, img.getWidth());
    assertEquals(Plots.PANEL_HEIGHT, img.getHeight());
    assertTrue(distinctColors(img) > 10);
    // The markers are blue: some pixels are clearly blue.
    int blue = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        if ((rgb & 0xff) > 200 && ((rgb >> 16) & 0xff) < 60 && ((rgb >> 8) & 0xff) < 60) blue++;
      }
    }
    assertTrue(blue > 30, "blue marker pixels: " + blue);
    // Different labels change the picture.
    Path other = dir.resolve("rd2.png");
    Plots.rateDistortion(List.of(new Plots.RdPoint("a", 25, 80), new Plots.RdPoint("b", 12, 120),
        new Plots.RdPoint("c", 3, 250)), other);
    assertFalse(java.util.Arrays.equals(Files.readAllBytes(png), Files.readAllBytes(other)));
  }

  @Test
  void rateDistortionRefusesNoPointsAndNonFiniteOnes() {
    assertThrows(IllegalArgumentException.class, () -> Plots.rateDistortion(List.of(), dir.resolve("a.png")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Plots.rateDistortion(List.of(new Plots.RdPoint("β=2", Double.NaN, 1)), dir.resolve("a.png")));
    assertTrue(e.getMessage().contains("β=2"), e.getMessage());
  }
}
