package io.github.betavae.data;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The built-in dSprites generator: the factor grid of the original
 * {@code dsprites_ndarray_co1sh3sc6or40x32y32_64x64} (Matthey et al. 2017), with shapes of its own
 * drawn analytically. The original's sprites were vector shapes rasterised by the LÖVE framework
 * (square, ellipse, a heart mesh); these are not those bitmaps, so scores on the built-in data are not
 * comparable with published ones: load the original {@code .npz} for that.
 *
 * <h2>Factors (class counts and values as in the original's {@code latents_values})</h2>
 * <ul>
 *   <li>shape: 3 classes square, ellipse, heart; values 1, 2, 3</li>
 *   <li>scale: 6 classes, values {@code linspace(0.5, 1, 6)}</li>
 *   <li>orientation: 40 classes, values {@code linspace(0, 2π, 40)} radians. Like the original file
 *       this includes both 0 and 2π, so classes 0 and 39 draw the same image; the step is 2π/39.</li>
 *   <li>posX, posY: 32 classes each, values {@code linspace(0, 1, 32)}</li>
 * </ul>
 * The constant colour factor of the original is left out. Sample index order is the original's: shape,
 * scale, orientation, posX, posY, with posY varying fastest, so {@code index = (((shape·6 + scale)·40
 * + orientation)·32 + posX)·32 + posY} (see {@link #indexOf(int...)}).
 *
 * <h2>Drawing</h2>
 * Images are 64×64, row-major, pixels 0f or 1f; row r is y (top row first), column c is x. A pixel is
 * lit when its centre lies inside the shape. The shape's centre in pixel-corner coordinates (the image
 * spans [0, 64)) is {@code cx = 16 + 31·posX}, {@code cy = 16 + 31·posY}: one pixel per position step,
 * centres from 16 to 47. At scale 1 every shape, in every orientation, stays within 14.2 pixels of its
 * centre, so even the largest sprite at the extreme positions stays inside the frame. A point at offset
 * (dx, dy) from the centre is tested in shape coordinates (u, v) = R(−θ)·(dx, dy) / scale, so the
 * sprite turns by θ from +x towards +y (clockwise on screen, since y points down):
 * <ul>
 *   <li>square: {@code max(|u|, |v|) ≤ 9.55} (side 19.1 px at scale 1)</li>
 *   <li>ellipse: {@code (u/12)² + (v/6.4)² ≤ 1}, long axis along x at orientation 0</li>
 *   <li>heart: with {@code p = u/8.64}, {@code q = −v/8.64 + 0.118}, {@code (p² + q² − 1)³ − p²q³ ≤ 0};
 *       the classic implicit heart, point down at orientation 0, centred on its bounding box</li>
 * </ul>
 *
 * <h2>Calibration against the original</h2>
 * The original's mean pixel value over all 737,280 images is 0.0424944 (128,328,862 lit pixels, 174.06
 * per image; computed on the original file by the nmichlo/disent project). Sizes were set from that and
 * from lit counts read off the original's published example images: a square at scale 1 lights about
 * 365 pixels over its orientations (side ≈ 19.1 px), one at scale 0.5 about 93; the largest ellipses
 * about 236–241. The heart, for which no reliable count was found, was then sized so that the overall
 * mean matches: {@value #CALIBRATED_MEAN} here (it was 0.0497 with the earlier sizes 20 px, 26×13 px and
 * heart unit 10, 17% more ink than the original). Known remaining differences: the original's centres
 * run over about 16 + 32·pos pixels (these over 16 + 31·pos, one pixel per step), and its rasteriser
 * differs at the edges, so individual images differ.

 *
 * <p>Because positions move by whole pixels, an image is a 32×32 sprite mask that depends only on
 * (shape, scale, orientation), placed at an offset. The 720 masks are built lazily on first use and
 * kept (under 1 MB in all), so {@link #copy} costs a 4096-float clear plus one store per lit pixel.
 * Every image is a pure function of its factor classes; masks are computed with {@link StrictMath}
 * so they are the same on every JVM.
 */
public final class DSprites implements Dataset, Factors {
  /** Image side in pixels. */
  public static final int SIDE = 64;
  /** Features per sample, 64·64. */
  public static final int FEATURES = SIDE * SIDE;
  /** Factor indices in {@link #names()} order. */
  public static final int SHAPE = 0, SCALE = 1, ORIENTATION = 2, POS_X = 3, POS_Y = 4;
  /** Shape classes. */
  public static final int SQUARE = 0, ELLIPSE = 1, HEART = 2;

  private static final List<String> NAMES = List.of("shape", "scale", "orientation", "posX", "posY");
  private static final int[] SIZES = {3, 6, 40, 32, 32};
  private static final int COUNT = 3 * 6 * 40 * 32 * 32;
  private static final double[][] VALUES = {
    {1, 2, 3}, linspace(0.5, 1.0, 6), linspace(0, 2 * Math.PI, 40), linspace(0, 1, 32), linspace(0, 1, 32)
  };

  /** Mask box side: offsets −16 … +15 around the centre. */
  private static final int BOX = 32;
  private static final int HALF = BOX / 2;
  /** Where position class 0 puts the centre, in pixels; one pixel per class after that. */
  private static final int FIRST_CENTRE = 16;

  private static final double SQUARE_HALF = 9.55;
  private static final double ELLIPSE_A = 12.0, ELLIPSE_B = 6.4;
  private static final double HEART_UNIT = 8.64;

  /** The mean pixel value over all images, as {@link #meanPixel()} computes it (checked by a test). */
  public static final double CALIBRATED_MEAN = 0.042501;
  /** The original file's mean pixel value over all images (see the class comment). */
  public static final double ORIGINAL_MEAN = 0.0424944;
  /** Moves the heart's bounding box (y from −1 to 1.236 in curve units) to be centred on 0. */
  private static final double HEART_SHIFT = 0.118;

  /** Lit pixels of each (shape, scale, orientation) mask, as offsets {@code row·64 + col} in the box. */
  private final AtomicReferenceArray<short[]> masks = new AtomicReferenceArray<>(3 * 6 * 40);

  /** A generator; all instances draw identical images. */
  public DSprites() {}

  @Override
  public int size() {
    return COUNT;
  }

  @Override
  public int features() {
    return FEATURES;
  }

  @Override
  public void copy(int index, float[] dst, int off) {
    checkIndex(index);
    int posY = index % 32;
    int posX = (index / 32) % 32;
    int sprite = index / (32 * 32); // (shape·6 + scale)·40 + orientation
    short[] lit = mask(sprite);
    Arrays.fill(dst, off, off + FEATURES, 0f);
    // The box's top-left corner lands at (centre − 16), which is ≥ 0 and ≤ 31 for every class.
    int base = off + (FIRST_CENTRE + posY - HALF) * SIDE + (FIRST_CENTRE + posX - HALF);
    for (short p : lit) dst[base + p] = 1f;
  }

  @Override
  public Optional<Factors> factors() {
    return Optional.of(this);
  }

  @Override
  public String describe() {
    return "dSprites (built-in), " + COUNT + " × " + FEATURES;
  }

  @Override
  public List<String> names() {
    return NAMES;
  }

  @Override
  public List<Integer> sizes() {
    return List.of(SIZES[0], SIZES[1], SIZES[2], SIZES[3], SIZES[4]);
  }

  @Override
  public int classOf(int i, int f) {
    checkIndex(i);
    checkFactor(f);
    int stride = 1;
    for (int g = SIZES.length - 1; g > f; g--) stride *= SIZES[g];
    return (i / stride) % SIZES[f];
  }

  @Override
  public double valueOf(int i, int f) {
    return VALUES[f][classOf(i, f)];
  }

  /** The real value of class {@code c} of factor {@code f}, e.g. {@code value(SCALE, 5) == 1.0}. */
  public static double value(int f, int c) {
    checkFactor(f);
    if (c < 0 || c >= SIZES[f]) {
      throw new IllegalArgumentException("dSprites factor " + NAMES.get(f) + ": expected class in [0, "
          + SIZES[f] + ") but found " + c);
    }
    return VALUES[f][c];
  }

  /** All values of factor {@code f}, in class order (a copy). */
  public static double[] values(int f) {
    checkFactor(f);
    return VALUES[f].clone();
  }

  /**
   * The sample index of factor classes (shape, scale, orientation, posX, posY), the inverse of
   * {@link #classesOf}.
   */
  public static int indexOf(int... classes) {
    if (classes.length != SIZES.length) {
      throw new IllegalArgumentException("dSprites indexOf: expected 5 factor classes but found " + classes.length);
    }
    int index = 0;
    for (int f = 0; f < SIZES.length; f++) {
      if (classes[f] < 0 || classes[f] >= SIZES[f]) {
        throw new IllegalArgumentException("dSprites indexOf: expected " + NAMES.get(f) + " class in [0, "
            + SIZES[f] + ") but found " + classes[f]);
      }
      index = index * SIZES[f] + classes[f];
    }
    return index;
  }

  /**
   * The mean pixel value over all 737,280 images: every sprite lies wholly inside the frame, so it is
   * the mean lit count of the 720 sprite masks over 4096.
   */
  public double meanPixel() {
    long lit = 0;
    for (int sprite = 0; sprite < 3 * 6 * 40; sprite++) lit += mask(sprite).length;
    return lit / (3.0 * 6 * 40 * FEATURES);
  }

  /** Writes the five factor classes of sample {@code index} to {@code out[0..5)}. */
  public static void classesOf(int index, int[] out) {
    checkIndex(index);
    for (int f = SIZES.length - 1; f >= 0; f--) {
      out[f] = index % SIZES[f];
      index /= SIZES[f];
    }
  }

  /** The five factor classes of sample {@code index}. */
  public static int[] classesOf(int index) {
    int[] c = new int[SIZES.length];
    classesOf(index, c);
    return c;
  }

  /**
   * Draws sample {@code index} by testing every one of the 4096 pixel centres against the shape: the
   * plain reference that the mask path of {@link #copy} is checked against.
   */
  static void renderDirect(int index, float[] dst, int off) {
    int[] c = classesOf(index);
    double cx = FIRST_CENTRE + c[POS_X], cy = FIRST_CENTRE + c[POS_Y];
    Shape s = new Shape(c[SHAPE], c[SCALE], c[ORIENTATION]);
    for (int r = 0; r < SIDE; r++) {
      for (int col = 0; col < SIDE; col++) {
        dst[off + r * SIDE + col] = s.inside(col + 0.5 - cx, r + 0.5 - cy) ? 1f : 0f;
      }
    }
  }

  private short[] mask(int sprite) {
    short[] m = masks.get(sprite);
    if (m == null) {
      // Two threads may both build the same mask; they build identical arrays, so either may win.
      m = buildMask(sprite);
      masks.compareAndSet(sprite, null, m);
    }
    return m;
  }

  private static short[] buildMask(int sprite) {
    Shape s = new Shape(sprite / (6 * 40), (sprite / 40) % 6, sprite % 40);
    short[] tmp = new short[BOX * BOX];
    int n = 0;
    for (int r = 0; r < BOX; r++) {
      for (int col = 0; col < BOX; col++) {
        if (s.inside(col - HALF + 0.5, r - HALF + 0.5)) tmp[n++] = (short) (r * SIDE + col);
      }
    }
    return Arrays.copyOf(tmp, n);
  }

  /** The inside test of one (shape, scale, orientation). */
  private static final class Shape {
    private final int shape;
    private final double cos, sin, invScale;

    Shape(int shape, int scale, int orientation) {
      this.shape = shape;
      double theta = VALUES[ORIENTATION][orientation];
      this.cos = StrictMath.cos(theta);
      this.sin = StrictMath.sin(theta);
      this.invScale = 1.0 / VALUES[SCALE][scale];
    }

    /** Whether the point at offset (dx, dy) pixels from the centre (y down) is inside. */
    boolean inside(double dx, double dy) {
      // Rotate the point by −θ into the shape's own frame, then undo the scale.
      double u = (cos * dx + sin * dy) * invScale;
      double v = (-sin * dx + cos * dy) * invScale;
      switch (shape) {
        case SQUARE:
          return Math.abs(u) <= SQUARE_HALF && Math.abs(v) <= SQUARE_HALF;
        case ELLIPSE: {
          double a = u / ELLIPSE_A, b = v / ELLIPSE_B;
          return a * a + b * b <= 1.0;
        }
        default: {
          double p = u / HEART_UNIT, q = -v / HEART_UNIT + HEART_SHIFT; // q points up on screen
          double k = p * p + q * q - 1.0;
          return k * k * k - p * p * q * q * q <= 0.0;
        }
      }
    }
  }

  /** numpy's linspace with endpoint: start + i·step, the last value exactly {@code stop}. */
  private static double[] linspace(double start, double stop, int n) {
    double[] v = new double[n];
    double step = (stop - start) / (n - 1);
    for (int i = 0; i < n; i++) v[i] = start + i * step;
    v[n - 1] = stop;
    return v;
  }

  private static void checkIndex(int index) {
    if (index < 0 || index >= COUNT) {
      throw new IndexOutOfBoundsException("dSprites: expected sample index in [0, " + COUNT + ") but found " + index);
    }
  }

  private static void checkFactor(int f) {
    if (f < 0 || f >= SIZES.length) {
      throw new IllegalArgumentException("dSprites: expected factor index in [0, 5) but found " + f);
    }
  }
}
