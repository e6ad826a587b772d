package io.github.betavae.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line and scatter charts of a run, rendered with XChart into PNGs without a display: training
 * curves from {@code metrics.csv} and the rate–distortion plane of a β sweep. The same input gives
 * the same image on the same JVM; files are written atomically.
 */
public final class Plots {
  /** Width and height of one chart panel in pixels. */
  public static final int WIDTH = 800, PANEL_HEIGHT = 400;
  /**
   * Most points drawn per series: longer runs are averaged over consecutive buckets of steps, which
   * also smooths the per-batch noise of the loss.
   */
  public static final int MAX_POINTS = 1000;

  private Plots() {}

  /** One run in the rate–distortion plane: KL (rate) and reconstruction term (distortion), nats per sample. */
  public record RdPoint(String label, double kl, double recon) {
    public RdPoint {
      if (label == null) throw new IllegalArgumentException("rate–distortion point: expected a label but found null");
    }
  }

  /**
   * Plots {@code metrics.csv} (columns {@code step,…,loss,recon,kl,…,kl_0,…}) into one PNG of two
   * panels, {@link #WIDTH}×2·{@link #PANEL_HEIGHT}: on top loss and recon (left axis) and KL (right
   * axis) against the step; below the KL of each latent dimension against the step.
   *
   * @throws IOException if the file cannot be read or written
   * @throws IllegalArgumentException if a column is missing, a value is not a number, or there are no rows
   */
  public static void trainingCurves(Path metricsCsv, Path png) throws IOException {
    ImageGrid.writePng(trainingCurves(Metrics.read(metricsCsv)), png);
  }

  /** The figure of {@link #trainingCurves(Path, Path)} for metrics already read. */
  static BufferedImage trainingCurves(Metrics m) {
    headless();
    double[] steps = m.column("step");
    XYChart top = chart("training objective", "step", "nats per sample");
    addLine(top, "loss", steps, m.column("loss"), 0);
    addLine(top, "recon", steps, m.column("recon"), 0);
    addLine(top, "KL", steps, m.column("kl"), 1);
    top.setYAxisGroupTitle(0, "loss, recon (nats)");
    top.setYAxisGroupTitle(1, "KL (nats)");
    top.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    int latent = m.latent();
    List<Integer> shown = largestFinalKl(m, latent, MAX_DIMENSION_LINES);
    XYChart bottom = chart(shown.size() < latent
        ? "KL per latent dimension: the " + shown.size() + " of " + latent + " largest at the last step"
        : "KL per latent dimension", "step", "KL (nats)");
    for (int d : shown) addLine(bottom, "z" + d, steps, m.column("kl_" + d), 0);
    return stack(top, bottom);
  }

  /** Two panels, one above the other: {@link #WIDTH}×2·{@link #PANEL_HEIGHT}. */
  private static BufferedImage stack(XYChart top, XYChart bottom) {
    BufferedImage a = BitmapEncoder.getBufferedImage(top), b = BitmapEncoder.getBufferedImage(bottom);
    BufferedImage img = new BufferedImage(WIDTH, 2 * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.drawImage(a, 0, 0, null);
      g.drawImage(b, 0, PANEL_HEIGHT, null);
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Most per-dimension lines in the KL panel; a wider code shows its largest dimensions only. */
  public static final int MAX_DIMENSION_LINES = 20;

  /** The dimensions with the largest KL in the last row, at most {@code k}, in dimension order. */
  private static List<Integer> largestFinalKl(Metrics m, int latent, int k) {
    List<Integer> dims = new ArrayList<>();
    for (int d = 0; d < latent; d++) dims.add(d);
    if (latent <= k) return dims;
    double[] last = new double[latent];
    for (int d = 0; d < latent; d++) {
      double[] c = m.column("kl_" + d);
      last[d] = Double.isFinite(c[c.length - 1]) ? c[c.length - 1] : Double.NEGATIVE_INFINITY;
    }
    dims.sort((a, b) -> Double.compare(last[b], last[a]));
    List<Integer> top = new ArrayList<>(dims.subList(0, k));
    top.sort(null);
    return top;
  }

  /** One run's aggregate-posterior measures: its β, seed, agg_kl (nats) and agg_mmd. */
  public record AggPoint(double beta, int seed, double aggKl, double aggMmd) {}

  /**
   * Writes how far each run's aggregate posterior is from the prior against β, {@link #WIDTH}×2·{@link
   * #PANEL_HEIGHT}: agg_kl on top, agg_mmd below, one marked line per seed, β on a log axis when every
   * β is positive. Non-finite values (an infinite agg_kl of a degenerate code) are left out.
   *
   * @throws IllegalArgumentException if there are no points
   */
  public static void aggregatePosterior(List<AggPoint> points, Path png) throws IOException {
    ImageGrid.writePng(aggregatePosterior(points), png);
  }

  /** The figure of {@link #aggregatePosterior(List, Path)}. */
  static BufferedImage aggregatePosterior(List<AggPoint> points) {
    if (points == null || points.isEmpty()) {
      throw new IllegalArgumentException("aggregate-posterior plot: expected at least 1 point but found none");
    }
    headless();
    boolean log = points.stream().allMatch(p -> p.beta() > 0);
    XYChart top = chart("aggregate posterior q(z) vs prior N(0, I): moment-matched KL", "β", "agg_kl (nats)");
    XYChart bottom = chart("aggregate posterior q(z) vs prior N(0, I): RBF-kernel MMD²", "β", "agg_mmd");
    List<Integer> seeds = points.stream().map(AggPoint::seed).distinct().sorted().toList();
    for (int seed : seeds) {
      List<AggPoint> mine = points.stream().filter(p -> p.seed() == seed)
          .sorted((p, q) -> Double.compare(p.beta(), q.beta())).toList();
      addMarked(top, "seed " + seed, mine, true);
      addMarked(bottom, "seed " + seed, mine, false);
    }
    for (XYChart c : List.of(top, bottom)) {
      c.getStyler().setXAxisLogarithmic(log);
      c.getStyler().setLegendVisible(seeds.size() > 1);
    }
    return stack(top, bottom);
  }

  private static void addMarked(XYChart c, String name, List<AggPoint> pts, boolean kl) {
    List<double[]> xy = new ArrayList<>();
    for (AggPoint p : pts) {
      double v = kl ? p.aggKl() : p.aggMmd();
      if (Double.isFinite(v)) xy.add(new double[] {p.beta(), v});
    }
    if (xy.isEmpty()) return;
    double[] x = new double[xy.size()], y = new double[xy.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = xy.get(i)[0];
      y[i] = xy.get(i)[1];
    }
    XYSeries s = c.addSeries(name, x, y);
    s.setMarker(SeriesMarkers.CIRCLE);
  }

  /**
   * Writes the rate–distortion plane, {@link #WIDTH}×{@link #PANEL_HEIGHT}: one marker per point,
   * KL on x ("rate (nats)"), reconstruction on y ("distortion (nats)"), each marker labelled. The
   * points are joined in order of increasing rate, so a β sweep draws its trade-off curve.
   *
   * @throws IllegalArgumentException if there are no points or a coordinate is not finite
   */
  public static void rateDistortion(List<RdPoint> points, Path png) throws IOException {
    ImageGrid.writePng(rateDistortion(points), png);
  }

  /** The figure of {@link #rateDistortion(List, Path)}. */
  static BufferedImage rateDistortion(List<RdPoint> points) {
    if (points == null || points.isEmpty()) {
      throw new IllegalArgumentException("rate–distortion plot: expected at least 1 point but found none");
    }
    List<RdPoint> sorted = new ArrayList<>(points);
    for (RdPoint p : sorted) {
      if (!Double.isFinite(p.kl()) || !Double.isFinite(p.recon())) {
        throw new IllegalArgumentException("rate–distortion plot: expected finite KL and recon but found "
            + p.kl() + ", " + p.recon() + " for " + p.label());
      }
    }
    sorted.sort((p, q) -> Double.compare(p.kl(), q.kl()));
    headless();
    XYChart c = chart("rate–distortion", "rate (nats)", "distortion (nats)");
    c.getStyler().setLegendVisible(false);
    double[] x = new double[sorted.size()], y = new double[sorted.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = sorted.get(i).kl();
      y[i] = sorted.get(i).recon();
    }
    XYSeries s = c.addSeries("runs", x, y);
    s.setMarker(SeriesMarkers.CIRCLE);
    s.setMarkerColor(Color.BLUE);
    s.setLineColor(new Color(0, 0, 255, 96));
    // Labels are centred on their anchor: lift them by 6% of the distortion span to clear the marker.
    double lift = 0.06 * range(y)[2];
    for (RdPoint p : sorted) c.addAnnotation(new AnnotationText(p.label(), p.kl(), p.recon() + lift, false));
    c.getStyler().setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    c.getStyler().setAnnotationTextFontColor(Color.DARK_GRAY);
    pad(c, x, y);
    return BitmapEncoder.getBufferedImage(c);
  }

  /** Widens the axes by 10% so that markers and labels at the extremes are not clipped. */
  private static void pad(XYChart c, double[] x, double[] y) {
    double[] xr = range(x), yr = range(y);
    c.getStyler().setXAxisMin(xr[0] - 0.1 * xr[2]).setXAxisMax(xr[1] + 0.1 * xr[2]);
    c.getStyler().setYAxisMin(yr[0] - 0.1 * yr[2]).setYAxisMax(yr[1] + 0.15 * yr[2]);
  }

  /** {min, max, span}; a span of 0 (one point, or equal values) becomes 1 so the axis stays drawable. */
  private static double[] range(double[] v) {
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (double d : v) {
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    double span = hi - lo;
    return new double[] {lo, hi, span > 0 ? span : Math.max(1.0, Math.abs(lo))};
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart c = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setAntiAlias(true);
    // Axis labels read the same whatever the machine's locale (1,234.5, not 1.234,5).
    c.getStyler().setLocale(Locale.ROOT);
    c.getStyler().setDecimalPattern("#,##0.###");
    return c;
  }

  /** A line series of bucket means, without markers; non-finite values are left out. */
  private static void addLine(XYChart c, String name, double[] x, double[] y, int axisGroup) {
    double[][] xy = Metrics.downsample(x, y, MAX_POINTS);
    if (xy[0].length == 0) return;
    XYSeries s = c.addSeries(name, xy[0], xy[1]);
    s.setMarker(SeriesMarkers.NONE);
    s.setYAxisGroup(axisGroup);
  }

  /** Charts draw through Java2D; without this a machine without a display could try to open one. */
  static void headless() {
    if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
  }

  /** The numeric columns of a metrics CSV, by header name. */
  record Metrics(List<String> names, double[][] columns, Path file, java.util.Map<String, Integer> index) {
    Metrics(List<String> names, double[][] columns, Path file) {
      this(names, columns, file, indexOf(names));
    }

    private static java.util.Map<String, Integer> indexOf(List<String> names) {
      java.util.Map<String, Integer> m = new java.util.HashMap<>();
      for (int i = 0; i < names.size(); i++) m.putIfAbsent(names.get(i), i);
      return m;
    }

    static Metrics read(Path file) throws IOException {
      List<String> names = null;
      List<double[]> rows = new ArrayList<>();
      try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        int no = 0;
        while ((line = r.readLine()) != null) {
          no++;
          if (line.isBlank()) continue;
          String[] f = line.split(",", -1);
          if (names == null) {
            names = List.of(f);
            continue;
          }
          if (f.length != names.size()) {
            throw new IllegalArgumentException("training curves: expected " + names.size() + " fields but found "
                + f.length + " on line " + no + " of " + file.getFileName());
          }
          double[] v = new double[f.length];
          for (int i = 0; i < f.length; i++) {
            try {
              v[i] = Double.parseDouble(f[i].trim());
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("training curves: expected a number but found '" + f[i] + "' in column "
                  + names.get(i) + " on line " + no + " of " + file.getFileName(), e);
            }
          }
          rows.add(v);
        }
      }
      if (names == null || rows.isEmpty()) {
        throw new IllegalArgumentException("training curves: expected a header and at least 1 row but found "
            + (names == null ? "an empty file" : "no rows") + " in " + file.getFileName());
      }
      double[][] cols = new double[names.size()][rows.size()];
      for (int i = 0; i < rows.size(); i++) for (int j = 0; j < names.size(); j++) cols[j][i] = rows.get(i)[j];
      Metrics m = new Metrics(names, cols, file);
      for (String need : List.of("step", "loss", "recon", "kl")) m.column(need);
      return m;
    }

    double[] column(String name) {
      int i = index.getOrDefault(name, -1);
      if (i < 0) {
        throw new IllegalArgumentException("training curves: expected a column " + name + " but found " + names
            + " in " + file.getFileName());
      }
      return columns[i];
    }

    /** Number of consecutive columns kl_0, kl_1, …. */
    int latent() {
      int d = 0;
      while (index.containsKey("kl_" + d)) d++;
      return d;
    }

    /**
     * At most {@code max} points: consecutive buckets of equal size, each drawn at its mean x and mean
     * y over its finite values. Fewer points than {@code max} pass through unchanged (minus non-finite ones).
     */
    static double[][] downsample(double[] x, double[] y, int max) {
      int n = x.length;
      int buckets = Math.min(n, max);
      double[] bx = new double[buckets], by = new double[buckets];
      int k = 0;
      for (int b = 0; b < buckets; b++) {
        int from = (int) ((long) b * n / buckets), to = (int) ((long) (b + 1) * n / buckets);
        double sx = 0, sy = 0;
        int c = 0;
        for (int i = from; i < to; i++) {
          if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
            sx += x[i];
            sy += y[i];
            c++;
          }
        }
        if (c > 0) {
          bx[k] = sx / c;
          by[k] = sy / c;
          k++;
        }
      }
      return new double[][] {java.util.Arrays.copyOf(bx, k), java.util.Arrays.copyOf(by, k)};
    }
  }
}
