package io.github.betavae.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {
  @TempDir Path dir;

  @Test
  void shapesAreSquareWhenPossible() {
    assertArrayEquals(new int[] {64, 64}, ImageGrid.shapeFor(4096));
    assertArrayEquals(new int[] {28, 28}, ImageGrid.shapeFor(784));
    assertArrayEquals(new int[] {4, 5}, ImageGrid.shapeFor(20));
    assertArrayEquals(new int[] {1, 7}, ImageGrid.shapeFor(7));
  }

  @Test
  void pixelsLandInTheirCellsAndSurviveThePngRoundTrip() throws IOException {
    // Three 2×2 images in rows of 2: image 1 is white with a black top-left pixel.
    float[] px = new float[12];
    px[4] = 0f;
    px[5] = px[6] = px[7] = 1f;
    px[8] = 0.5f;
    px[11] = 2f; // clamped to white
    BufferedImage img = ImageGrid.grid(px, 3, 2, 2, 2, 1);
    int g = ImageGrid.GAP;
    assertEquals(2 * 2 + 3 * g, img.getWidth());
    assertEquals(2 * 2 + 3 * g, img.getHeight());
    Path f = dir.resolve("g.png");
    ImageGrid.writePng(img, f);
    BufferedImage back = ImageIO.read(f.toFile());
    int x1 = g + 2 + g; // second column
    assertEquals(0, back.getRaster().getSample(x1, g, 0));
    assertEquals(255, back.getRaster().getSample(x1 + 1, g, 0));
    assertEquals(255, back.getRaster().getSample(x1 + 1, g + 1, 0));
    assertEquals(128, back.getRaster().getSample(g, g + 2 + g, 0), "0.5 → 128");
    assertEquals(255, back.getRaster().getSample(g + 1, g + 2 + g + 1, 0));
    assertEquals(ImageGrid.GAP_GRAY, back.getRaster().getSample(0, 0, 0));
    assertEquals(ImageGrid.GAP_GRAY, back.getRaster().getSample(x1 + 1, 2 * g + 2 + 1, 0), "empty fourth cell stays gray");
  }

  @Test
  void scalingRepeatsEachPixel() {
    BufferedImage img = ImageGrid.grid(new float[] {1f, 0f}, 1, 1, 2, 1, 3);
    assertEquals(2 * 3 + 2 * ImageGrid.GAP, img.getWidth());
    for (int d = 0; d < 3; d++) {
      assertEquals(255, img.getRaster().getSample(ImageGrid.GAP + d, ImageGrid.GAP + 2, 0));
      assertEquals(0, img.getRaster().getSample(ImageGrid.GAP + 3 + d, ImageGrid.GAP + d, 0));
    }
  }

  @Test
  void tooFewPixelsIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.grid(new float[10], 3, 2, 2, 2, 1));
    assertEquals("image grid: expected 12 pixels for 3 images of 2×2 but found 10", e.getMessage());
  }
}
