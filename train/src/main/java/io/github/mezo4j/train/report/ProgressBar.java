package io.github.mezo4j.train.report;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Training progress on a terminal stream: on a terminal, one line redrawn in place ({@code step
 * 120/200 [#####.....] loss 0.41 dev accuracy 0.78 (best 0.80) 2.9 steps/s ETA 0:27}) with a
 * permanent line per evaluation; otherwise (a file, a pipe, CI) plain lines at each evaluation and
 * every tenth of the run. Speeds count the steps of this process only, so a resumed run's ETA is
 * right from its first steps.
 */
public final class ProgressBar {
  private static final int WIDTH = 24;
  private static final long REDRAW_NANOS = 100_000_000;

  private final PrintStream out;
  private final boolean interactive;
  private final long total;
  private final long firstStep;
  private final String metricName;
  private final LongSupplier nanos;
  private final long startNanos;
  private final long lineEvery;
  private long lastDraw = Long.MIN_VALUE;
  private double dev = Double.NaN;
  private double best = Double.NaN;
  private int drawnWidth;

  /**
   * A bar for the steps from {@code firstStep} to {@code total}, timed from now by {@code nanos}.
   *
   * @param out where to draw (stderr)
   * @param interactive redraw one line in place (a terminal) rather than print plain lines
   * @param total the step the run ends at
   * @param firstStep the step this process starts from (0, or the resumed checkpoint's step)
   * @param metricName the dev metric's name
   * @param nanos the clock ({@code System::nanoTime})
   */
  public ProgressBar(
      PrintStream out,
      boolean interactive,
      long total,
      long firstStep,
      String metricName,
      LongSupplier nanos) {
    this.out = out;
    this.interactive = interactive;
    this.total = total;
    this.firstStep = firstStep;
    this.metricName = metricName;
    this.nanos = nanos;
    this.startNanos = nanos.getAsLong();
    this.lineEvery = Math.max(1, total / 10);
  }

  /**
   * Whether stderr looks like a terminal: {@code System.console()} is one (the JDK cannot ask about
   * stderr alone); the environment variable {@code MEZO4J_PROGRESS=plain} or {@code bar} overrides.
   */
  public static boolean terminal() {
    String forced = System.getenv("MEZO4J_PROGRESS");
    if ("plain".equals(forced)) {
      return false;
    }
    if ("bar".equals(forced)) {
      return true;
    }
    return System.console() != null && System.console().isTerminal();
  }

  /** After step {@code step} with training loss {@code loss}. */
  public void step(long step, double loss) {
    long now = nanos.getAsLong();
    if (interactive) {
      if (step == total || now - lastDraw >= REDRAW_NANOS) {
        lastDraw = now;
        String line = line(step, loss, now);
        out.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
        drawnWidth = line.length();
        out.flush();
      }
    } else if (step % lineEvery == 0 && step != total) {
      out.println(line(step, loss, now));
    }
  }

  /** After an evaluation at {@code step}: the dev metric and the best so far. */
  public void eval(long step, double loss, double metric, double bestSoFar) {
    dev = metric;
    best = bestSoFar;
    String line = line(step, loss, nanos.getAsLong());
    if (interactive) {
      out.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())) + "\n");
      drawnWidth = 0;
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** The status line after {@code step}. */
  String line(long step, double loss, long now) {
    double seconds = (now - startNanos) / 1e9;
    long done = step - firstStep;
    double rate = done > 0 && seconds > 0 ? done / seconds : Double.NaN;
    int filled = total == 0 ? WIDTH : (int) (WIDTH * step / total);
    StringBuilder sb = new StringBuilder();
    int digits = Long.toString(total).length();
    sb.append(String.format(Locale.ROOT, "step %" + digits + "d/%d ", step, total));
    sb.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append(']');
    if (!Double.isNaN(loss)) {
      sb.append(String.format(Locale.ROOT, " loss %.4f", loss));
    }
    if (!Double.isNaN(dev)) {
      sb.append(String.format(Locale.ROOT, " dev %s %.4f (best %.4f)", metricName, dev, best));
    }
    if (!Double.isNaN(rate)) {
      sb.append(
          String.format(Locale.ROOT, " %.2f steps/s ETA %s", rate, clock((total - step) / rate)));
    }
    return sb.toString();
  }

  /** Seconds as {@code m:ss} or {@code h:mm:ss}. */
  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
