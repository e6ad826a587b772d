package io.github.betavae.viz;

import io.github.betavae.checkpoint.AtomicFiles;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Grayscale image grids written as PNG with the JDK's own encoder. Pixel values are in [0, 1]
 * (clamped), images are row-major h×w, cells are separated by a mid-gray gap so white and black
 * images stay distinguishable.
 */
public final class ImageGrid {
  static final int GAP = 2;
  static final int GAP_GRAY = 128;

  private ImageGrid() {}

  /**
   * The image shape for D features: a square when D is one (4096 → 64×64, 784 → 28×28), otherwise
   * the most nearly square h×w = D with h ≤ w.
   */
  public static int[] shapeFor(int d) {
    if (d < 1) throw new IllegalArgumentException("image: expected at least 1 feature but found " + d);
    int h = (int) Math.floor(Math.sqrt(d));
    while (d % h != 0) h--;
    return new int[] {h, d / h};
  }

  /** Integer upscaling so small images (8×8, 28×28) are still visible: cells at least 48 pixels tall. */
  public static int scaleFor(int h) {
    return Math.max(1, (48 + h - 1) / h);
  }

  /**
   * Lays out {@code count} images of h×w from {@code pixels} (image i at {@code i·h·w}) in rows of
   * {@code cols}, each pixel drawn as a {@code scale}×{@code scale} block.
   */
  public static BufferedImage grid(float[] pixels, int count, int h, int w, int cols, int scale) {
    if (count < 1 || cols < 1 || scale < 1) {
      throw new IllegalArgumentException("image grid: expected count, cols and scale ≥ 1 but found " + count + ", " + cols + ", " + scale);
    }
    if ((long) count * h * w > pixels.length) {
      throw new IllegalArgumentException("image grid: expected " + (long) count * h * w + " pixels for " + count
          + " images of " + h + "×" + w + " but found " + pixels.length);
    }
    int rows = (count + cols - 1) / cols;
    int cw = w * scale, ch = h * scale;
    int width = cols * cw + (cols + 1) * GAP, height = rows * ch + (rows + 1) * GAP;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster r = img.getRaster();
    int[] gray = new int[width];
    java.util.Arrays.fill(gray, GAP_GRAY);
    for (int y = 0; y < height; y++) r.setPixels(0, y, width, 1, gray);
    for (int i = 0; i < count; i++) {
      int x0 = GAP + (i % cols) * (cw + GAP), y0 = GAP + (i / cols) * (ch + GAP);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = toByte(pixels[i * h * w + y * w + x]);
          for (int dy = 0; dy < scale; dy++) {
            for (int dx = 0; dx < scale; dx++) r.setSample(x0 + x * scale + dx, y0 + y * scale + dy, 0, v);
          }
        }
      }
    }
    return img;
  }

  /** [0,1] → 0..255, rounding to nearest; NaN draws black. */
  static int toByte(float v) {
    if (!(v > 0f)) return 0;
    if (v >= 1f) return 255;
    return Math.round(v * 255f);
  }

  /** Writes {@code img} as PNG, atomically. */
  public static void writePng(BufferedImage img, Path file) throws IOException {
    AtomicFiles.write(file, out -> {
      if (!ImageIO.write(img, "png", out)) throw new IOException("write " + file.getFileName() + ": no PNG encoder available");
    });
  }
}
