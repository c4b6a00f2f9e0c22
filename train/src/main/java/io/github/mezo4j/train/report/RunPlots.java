package io.github.mezo4j.train.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The two charts of a run, drawn from its metrics.jsonl events: {@value #LOSS_PLOT} (training loss
 * per step, dev loss at each evaluation) and {@value #METRIC_PLOT} (the dev metric at each
 * evaluation, and the monitor set's beside it when the run has one), 800 x 500 PNG.
 */
public final class RunPlots {
  /** The loss chart's file name. */
  public static final String LOSS_PLOT = "train_loss.png";

  /** The dev metric chart's file name. */
  public static final String METRIC_PLOT = "dev_metric.png";

  /** Chart width in pixels. */
  public static final int WIDTH = 800;

  /** Chart height in pixels. */
  public static final int HEIGHT = 500;

  private RunPlots() {}

  /** Writes both charts into {@code dir}. */
  public static void write(
      Path dir, List<ObjectNode> events, String task, String model, String metricName)
      throws IOException {
    List<double[]> train = new ArrayList<>();
    List<double[]> devLoss = new ArrayList<>();
    List<double[]> devMetric = new ArrayList<>();
    List<double[]> monitorMetric = new ArrayList<>();
    for (ObjectNode e : events) {
      double step = e.get("step").asDouble();
      switch (e.get("event").asText()) {
        case "train" -> train.add(new double[] {step, e.get("loss").asDouble()});
        case "eval" -> {
          devLoss.add(new double[] {step, e.get("dev_loss").asDouble()});
          devMetric.add(new double[] {step, e.get("dev_metric").asDouble()});
          if (e.has("monitor_metric")) {
            monitorMetric.add(new double[] {step, e.get("monitor_metric").asDouble()});
          }
        }
        default -> {
          // other events are not charted
        }
      }
    }
    String subtitle = " (" + task + ", " + model + ")";
    LinePlot.writePng(
        dir.resolve(LOSS_PLOT),
        LinePlot.render(
            "Training loss" + subtitle,
            "step",
            "loss",
            List.of(
                series("training loss (batch)", train, LinePlot.BLUE),
                series("dev loss (cross-entropy)", devLoss, LinePlot.ORANGE)),
            WIDTH,
            HEIGHT));
    LinePlot.writePng(
        dir.resolve(METRIC_PLOT),
        LinePlot.render(
            "Dev " + metricName + subtitle,
            "step",
            "dev " + metricName,
            monitorMetric.isEmpty()
                ? List.of(series("dev " + metricName, devMetric, LinePlot.ORANGE))
                : List.of(
                    series("dev " + metricName, devMetric, LinePlot.ORANGE),
                    series("monitor " + metricName, monitorMetric, LinePlot.BLUE)),
            WIDTH,
            HEIGHT));
  }

  private static LinePlot.Series series(String name, List<double[]> points, java.awt.Color color) {
    double[] x = new double[points.size()];
    double[] y = new double[points.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = points.get(i)[0];
      y[i] = points.get(i)[1];
    }
    return new LinePlot.Series(name, x, y, color);
  }
}
