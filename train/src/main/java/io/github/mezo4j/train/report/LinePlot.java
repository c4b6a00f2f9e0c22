package io.github.mezo4j.train.report;

import io.github.mezo4j.nn.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws line charts (y against x) into PNG images with plain java.awt, headless: axes with "nice"
 * ticks (1, 2 or 5 times a power of ten), tick labels, axis labels, a title and a legend. NaN
 * points are left out (the line breaks there).
 *
 * <pre>{@code
 * BufferedImage img = LinePlot.render("training loss", "step", "loss",
 *     List.of(new LinePlot.Series("loss", steps, losses, LinePlot.BLUE)), 800, 500);
 * LinePlot.writePng(Path.of("loss.png"), img);
 * }</pre>
 */
public final class LinePlot {
  /** The first series colour (matplotlib's tab:blue); distinct from {@link #ORANGE} on white. */
  public static final Color BLUE = new Color(31, 119, 180);

  /** The second series colour (matplotlib's tab:orange). */
  public static final Color ORANGE = new Color(255, 127, 14);

  /** The ten colours of {@link #palette}: matplotlib's "tab10", {@link #BLUE} and ORANGE first. */
  private static final Color[] PALETTE = {
    BLUE,
    ORANGE,
    new Color(44, 160, 44),
    new Color(214, 39, 40),
    new Color(148, 103, 189),
    new Color(140, 86, 75),
    new Color(227, 119, 194),
    new Color(127, 127, 127),
    new Color(188, 189, 34),
    new Color(23, 190, 207)
  };

  static {
    // no display is needed or wanted: servers and CI have none
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private LinePlot() {}

  /**
   * The colour of the {@code i}-th series of a chart with many (a sweep's configurations): ten
   * distinct colours, repeated from the eleventh series on.
   */
  public static Color palette(int i) {
    return PALETTE[Math.floorMod(i, PALETTE.length)];
  }

  /**
   * One line of a chart.
   *
   * @param name its legend entry
   * @param x the x values
   * @param y the y values, as many as x (NaN: no point)
   * @param color its colour
   */
  public record Series(String name, double[] x, double[] y, Color color) {
    /** Rejects x and y of different lengths. */
    public Series {
      if (x.length != y.length) {
        throw new IllegalArgumentException(
            "series '%s' has %d x values and %d y values".formatted(name, x.length, y.length));
      }
    }
  }

  /** Renders the chart; an empty or all-NaN chart still gets its axes and title. */
  public static BufferedImage render(
      String title, String xLabel, String yLabel, List<Series> series, int width, int height) {
    if (width < 200 || height < 150) {
      throw new IllegalArgumentException(
          "a plot needs at least 200 x 150 pixels, got %d x %d".formatted(width, height));
    }
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      draw(g, title, xLabel, yLabel, series, width, height);
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Writes {@code img} as a PNG file, atomically. */
  public static void writePng(Path file, BufferedImage img) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(img, "png", bytes)) {
      throw new IOException("no PNG writer available to write " + file);
    }
    AtomicFiles.write(file, bytes.toByteArray());
  }

  private static void draw(
      Graphics2D g,
      String title,
      String xLabel,
      String yLabel,
      List<Series> series,
      int width,
      int height) {
    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    g.setFont(font);
    FontMetrics fm = g.getFontMetrics();

    double[] xr = range(series, true);
    double[] yr = range(series, false);
    double[] xTicks = ticks(xr[0], xr[1]);
    double[] yTicks = ticks(yr[0], yr[1]);
    double x0 = xTicks[0];
    double x1 = xTicks[xTicks.length - 1];
    double y0 = yTicks[0];
    double y1 = yTicks[yTicks.length - 1];

    int yLabelWidth = 0;
    for (double t : yTicks) {
      yLabelWidth = Math.max(yLabelWidth, fm.stringWidth(label(t, yTicks)));
    }
    int left = 20 + fm.getHeight() + yLabelWidth;
    int right = width - 20;
    int top = 40;
    int bottom = height - 30 - 2 * fm.getHeight();
    int plotW = right - left;
    int plotH = bottom - top;

    // grid and ticks
    g.setStroke(new BasicStroke(1f));
    for (double t : yTicks) {
      int py = bottom - (int) Math.round((t - y0) / (y1 - y0) * plotH);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(left, py, right, py);
      g.setColor(Color.DARK_GRAY);
      g.drawLine(left - 5, py, left, py);
      String s = label(t, yTicks);
      g.drawString(s, left - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
    }
    for (double t : xTicks) {
      int px = left + (int) Math.round((t - x0) / (x1 - x0) * plotW);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(px, top, px, bottom);
      g.setColor(Color.DARK_GRAY);
      g.drawLine(px, bottom, px, bottom + 5);
      String s = label(t, xTicks);
      g.drawString(s, px - fm.stringWidth(s) / 2, bottom + 8 + fm.getAscent());
    }
    // axes
    g.setColor(Color.BLACK);
    g.drawLine(left, top, left, bottom);
    g.drawLine(left, bottom, right, bottom);
    // axis labels and title
    g.drawString(xLabel, left + (plotW - fm.stringWidth(xLabel)) / 2, height - 12);
    AffineTransform saved = g.getTransform();
    g.rotate(-Math.PI / 2);
    g.drawString(yLabel, -(top + (plotH + fm.stringWidth(yLabel)) / 2), 14 + fm.getAscent() - 4);
    g.setTransform(saved);
    g.setFont(titleFont);
    FontMetrics tfm = g.getFontMetrics();
    g.drawString(title, (width - tfm.stringWidth(title)) / 2, 24);
    g.setFont(font);

    // lines (points when a series has a single point)
    g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    int legendY = top + 14;
    int legendWidth = 0;
    for (Series s : series) {
      legendWidth = Math.max(legendWidth, fm.stringWidth(s.name()));
    }
    int legendX = right - legendWidth - 34;
    for (Series s : series) {
      g.setColor(s.color());
      Path2D.Double path = new Path2D.Double();
      boolean penDown = false;
      int points = 0;
      for (int i = 0; i < s.x().length; i++) {
        if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
          penDown = false;
          continue;
        }
        double px = left + (s.x()[i] - x0) / (x1 - x0) * plotW;
        double py = bottom - (s.y()[i] - y0) / (y1 - y0) * plotH;
        if (penDown) {
          path.lineTo(px, py);
        } else {
          path.moveTo(px, py);
          penDown = true;
        }
        points++;
        if (s.x().length <= 60) {
          g.fillOval((int) px - 3, (int) py - 3, 7, 7);
        }
      }
      if (points > 1) {
        g.draw(path);
      }
      if (series.size() > 1 || !s.name().equals(yLabel)) {
        g.fillRect(legendX, legendY - 8, 18, 4);
        g.setColor(Color.BLACK);
        g.drawString(s.name(), legendX + 24, legendY - 2);
        legendY += fm.getHeight();
      }
    }
  }

  /** [min, max] of the finite x or y values, widened when empty or flat. */
  private static double[] range(List<Series> series, boolean x) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
          double v = x ? s.x()[i] : s.y()[i];
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
    }
    if (min > max) {
      return new double[] {0, 1};
    }
    if (min == max) {
      double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
      return new double[] {min - pad, max + pad};
    }
    return new double[] {min, max};
  }

  /** Ticks covering [min, max] at 1, 2 or 5 times a power of ten, about five of them. */
  static double[] ticks(double min, double max) {
    double raw = (max - min) / 5;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = magnitude;
    for (double m : new double[] {1, 2, 5, 10}) {
      step = m * magnitude;
      if (raw <= step) {
        break;
      }
    }
    double first = Math.floor(min / step) * step;
    double last = Math.ceil(max / step) * step;
    List<Double> out = new ArrayList<>();
    for (int i = 0; first + i * step <= last + step * 1e-9; i++) {
      out.add(first + i * step);
    }
    if (out.size() < 2) {
      out.add(first + step);
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** A tick label with as many decimals as the tick spacing needs. */
  static String label(double value, double[] ticks) {
    double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
    int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
    if (Math.abs(value) < step * 1e-9) {
      value = 0; // no "-0.00"
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }
}
