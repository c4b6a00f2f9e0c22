package io.github.mezo4j.train.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.nn.io.AtomicFiles;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.report.LinePlot;
import io.github.mezo4j.train.report.RunPlots;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A sweep's results, read from its configurations' run folders: {@value #TABLE_TSV} and {@value
 * #TABLE_MD} (one row per configuration, best first) and {@value #PLOT} (the dev metric against
 * training forward passes, one line per configuration), drawn with {@link LinePlot}.
 *
 * <p>Each run is scored on the dev split it evaluated itself (for k-shot tasks the k-shot dev
 * split), as its {@code summary.json} and the {@code "eval"} events of its {@code metrics.jsonl}
 * record: the sweep never looks at an evaluation set. The ranking is by the best dev metric (higher
 * is better, perplexity lower), ties going to the run that reached it with fewer forward passes.
 *
 * <p>Forward passes count the training steps' loss evaluations only (not the dev evaluations nor a
 * linear probe's fit): per step, {@link #forwardPassesPerStep} of the run's {@code run.json}.
 */
public final class SweepReport {
  /** The ranking as tab-separated values, one row per configuration. */
  public static final String TABLE_TSV = "sweep.tsv";

  /** The ranking as a Markdown table. */
  public static final String TABLE_MD = "sweep.md";

  /** The chart of every configuration's dev metric by step. */
  public static final String PLOT = "sweep.png";

  private SweepReport() {}

  /** Where a configuration's run stands. */
  public enum Status {
    /** Its run folder has summary.json. */
    DONE("done"),
    /** Its run failed in this sweep (finetune exited with an error); a rerun retries it. */
    FAILED("failed"),
    /** Its run started (run.json) but did not finish: interrupted, or it failed. */
    UNFINISHED("unfinished"),
    /** No run yet. */
    NOT_STARTED("not started");

    private final String label;

    Status(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /**
   * One configuration's results; NaN (or -1 for steps) where unknown or not run.
   *
   * @param configuration the grid values
   * @param run its run folder
   * @param status done, unfinished or not started
   * @param metricName the dev metric ({@code accuracy}, {@code macro_f1}, {@code perplexity})
   * @param bestDevMetric the best dev metric of the run's evaluations
   * @param bestStep the step of the best evaluation
   * @param finalDevMetric the last evaluation's
   * @param initialDevMetric the step-0 evaluation's
   * @param bestDevLoss the dev loss of the best evaluation
   * @param forwardPassesPerStep training forward passes per MeZO step
   * @param seconds the run's training time ({@code summary.json}'s, summed over resumed pieces)
   * @param evalSteps the steps of the run's evaluations
   * @param evalMetrics the dev metric of each
   */
  public record Row(
      Grid.Configuration configuration,
      Path run,
      Status status,
      String metricName,
      double bestDevMetric,
      long bestStep,
      double finalDevMetric,
      double initialDevMetric,
      double bestDevLoss,
      double forwardPassesPerStep,
      double seconds,
      double[] evalSteps,
      double[] evalMetrics) {

    /** This row with another status (a sweep marks the runs that failed under it). */
    public Row withStatus(Status newStatus) {
      return new Row(
          configuration,
          run,
          newStatus,
          metricName,
          bestDevMetric,
          bestStep,
          finalDevMetric,
          initialDevMetric,
          bestDevLoss,
          forwardPassesPerStep,
          seconds,
          evalSteps,
          evalMetrics);
    }

    /** Forward passes up to the best evaluation; NaN if the estimator is unknown. */
    public double forwardPassesToBest() {
      return bestStep < 0 ? Double.NaN : bestStep * forwardPassesPerStep;
    }

    /** Whether a smaller dev metric is better (perplexity). */
    public boolean lowerIsBetter() {
      return DevMetric.PERPLEXITY.label().equals(metricName);
    }
  }

  /** Reads what the run folder of {@code configuration} holds so far. */
  public static Row read(Grid.Configuration configuration, Path runDir) throws IOException {
    RunFolder folder = new RunFolder(runDir);
    if (!Files.isRegularFile(folder.summary())) {
      Status status = folder.exists() ? Status.UNFINISHED : Status.NOT_STARTED;
      return new Row(
          configuration,
          runDir,
          status,
          null,
          Double.NaN,
          -1,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          new double[0],
          new double[0]);
    }
    ObjectNode summary = folder.readSummary();
    ObjectNode runJson = folder.readRun();
    long bestStep = summary.path("best_step").asLong(-1);
    List<double[]> evals = new ArrayList<>();
    double bestDevLoss = Double.NaN;
    for (JsonNode e : evalEvents(folder.metrics())) {
      long step = e.path("step").asLong();
      evals.add(new double[] {step, number(e.get("dev_metric"))});
      if (step == bestStep) {
        bestDevLoss = number(e.get("dev_loss"));
      }
    }
    double[] steps = new double[evals.size()];
    double[] metrics = new double[evals.size()];
    for (int i = 0; i < steps.length; i++) {
      steps[i] = evals.get(i)[0];
      metrics[i] = evals.get(i)[1];
    }
    return new Row(
        configuration,
        runDir,
        Status.DONE,
        summary.path("metric_name").asText(runJson.path("metric_name").asText("metric")),
        number(summary.get("best_dev_metric")),
        bestStep,
        number(summary.get("final_dev_metric")),
        number(summary.get("initial_dev_metric")),
        bestDevLoss,
        forwardPassesPerStep(runJson.path("config")),
        number(summary.get("seconds")),
        steps,
        metrics);
  }

  /**
   * Training forward passes per step of a run, from the estimator its {@code run.json} {@code
   * config} records ({@link OptimizerSettings#fromJson}: a config without one is MeZO's two-sided
   * estimator, 2 passes). A config this build cannot read is unknown: NaN, and the run is left out
   * of the plot.
   */
  public static double forwardPassesPerStep(JsonNode config) {
    try {
      return OptimizerSettings.fromJson(config).estimator().forwardPasses();
    } catch (IllegalArgumentException e) {
      return Double.NaN;
    }
  }

  /**
   * {@code rows} best first: done runs by best dev metric (higher first, or lower for perplexity),
   * ties by fewer forward passes to the best (unknown last), then in the given order; then the
   * failed, the unfinished and the not started, in the given order.
   */
  public static List<Row> ranked(List<Row> rows) {
    boolean lower =
        rows.stream().filter(r -> r.status() == Status.DONE).anyMatch(Row::lowerIsBetter);
    Comparator<Row> byStatus = Comparator.comparingInt(r -> r.status().ordinal());
    Comparator<Row> byMetric =
        Comparator.comparingDouble(
            r -> {
              if (r.status() != Status.DONE || Double.isNaN(r.bestDevMetric())) {
                return Double.POSITIVE_INFINITY;
              }
              return lower ? r.bestDevMetric() : -r.bestDevMetric();
            });
    Comparator<Row> byPasses =
        Comparator.comparingDouble(
            r ->
                Double.isNaN(r.forwardPassesToBest())
                    ? Double.POSITIVE_INFINITY
                    : r.forwardPassesToBest());
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort(byStatus.thenComparing(byMetric).thenComparing(byPasses)); // stable
    return sorted;
  }

  /**
   * Writes {@value #TABLE_TSV}, {@value #TABLE_MD} and {@value #PLOT} into {@code dir}.
   *
   * @param dir the sweep folder (run folders are named relative to it)
   * @param grid the sweep's grid (its axes are the first columns)
   * @param ranked the rows, best first ({@link #ranked})
   * @param baseCommand the finetune command line every configuration shares, for the heading
   */
  public static void write(Path dir, Grid grid, List<Row> ranked, String baseCommand)
      throws IOException {
    AtomicFiles.write(
        dir.resolve(TABLE_TSV), tsv(dir, grid, ranked).getBytes(StandardCharsets.UTF_8));
    AtomicFiles.write(
        dir.resolve(TABLE_MD),
        markdown(dir, grid, ranked, baseCommand).getBytes(StandardCharsets.UTF_8));
    plot(dir.resolve(PLOT), ranked);
  }

  static String tsv(Path dir, Grid grid, List<Row> ranked) {
    List<String> header = new ArrayList<>(List.of("rank"));
    grid.axes().forEach(a -> header.add(a.name()));
    header.addAll(
        List.of(
            "status",
            "metric",
            "best_dev_metric",
            "best_step",
            "final_dev_metric",
            "initial_dev_metric",
            "best_dev_loss",
            "forward_passes_to_best",
            "seconds",
            "run"));
    StringBuilder sb = new StringBuilder(String.join("\t", header)).append('\n');
    int rank = 0;
    for (Row r : ranked) {
      List<String> cells = new ArrayList<>();
      cells.add(r.status() == Status.DONE ? Integer.toString(++rank) : "");
      r.configuration().values().values().forEach(v -> cells.add(cell(v)));
      cells.add(r.status().toString());
      cells.add(r.metricName() == null ? "" : r.metricName());
      cells.add(plain(r.bestDevMetric()));
      cells.add(r.bestStep() < 0 ? "" : Long.toString(r.bestStep()));
      cells.add(plain(r.finalDevMetric()));
      cells.add(plain(r.initialDevMetric()));
      cells.add(plain(r.bestDevLoss()));
      cells.add(passes(r.forwardPassesToBest()));
      cells.add(Double.isNaN(r.seconds()) ? "" : String.format(Locale.ROOT, "%.1f", r.seconds()));
      cells.add(cell(relative(dir, r.run())));
      sb.append(String.join("\t", cells)).append('\n');
    }
    return sb.toString();
  }

  static String markdown(Path dir, Grid grid, List<Row> ranked, String baseCommand) {
    Set<String> metrics = new LinkedHashSet<>();
    ranked.stream().filter(r -> r.metricName() != null).forEach(r -> metrics.add(r.metricName()));
    String metric = metrics.isEmpty() ? "metric" : String.join("/", metrics);
    boolean lower = ranked.stream().anyMatch(r -> r.status() == Status.DONE && r.lowerIsBetter());
    long done = ranked.stream().filter(r -> r.status() == Status.DONE).count();
    StringBuilder sb = new StringBuilder("# Sweep\n\n");
    sb.append("Base command: `").append(baseCommand).append("`\n\n");
    sb.append(
        ("%d of %d configurations done, ranked by the best dev %s of each run on its own dev"
                + " split (%s is better; ties: fewer forward passes first). Forward passes count"
                + " the training steps' loss evaluations up to the best evaluation (2 per step"
                + " for MeZO's two-sided estimator), not the dev evaluations.\n")
            .formatted(done, ranked.size(), metric, lower ? "lower" : "higher"));
    if (metrics.size() > 1) {
      sb.append(
          "\nThe runs report different dev metrics (%s): the ranking compares them as numbers.\n"
              .formatted(String.join(", ", metrics)));
    }
    if (ranked.stream()
        .anyMatch(r -> r.status() == Status.DONE && Double.isNaN(r.forwardPassesPerStep()))) {
      sb.append(
          "\nForward passes shown as ? come from runs whose run.json names an estimator this"
              + " report does not know; they are left out of the plot.\n");
    }
    sb.append('\n');
    List<String> header = new ArrayList<>(List.of("rank"));
    grid.axes().forEach(a -> header.add(a.name()));
    header.addAll(
        List.of(
            "best dev " + metric,
            "at step",
            "final",
            "initial",
            "best dev loss",
            "forward passes",
            "seconds",
            "run"));
    sb.append("| ").append(String.join(" | ", header)).append(" |\n");
    sb.append("|").append("---|".repeat(header.size())).append('\n');
    int rank = 0;
    for (Row r : ranked) {
      List<String> cells = new ArrayList<>();
      boolean isDone = r.status() == Status.DONE;
      cells.add(isDone ? Integer.toString(++rank) : "");
      r.configuration().values().values().forEach(v -> cells.add(mdCell(v)));
      cells.add(isDone ? fixed(r.bestDevMetric()) : r.status().toString());
      cells.add(r.bestStep() < 0 ? "" : Long.toString(r.bestStep()));
      cells.add(fixed(r.finalDevMetric()));
      cells.add(fixed(r.initialDevMetric()));
      cells.add(fixed(r.bestDevLoss()));
      cells.add(
          isDone && Double.isNaN(r.forwardPassesToBest()) ? "?" : passes(r.forwardPassesToBest()));
      cells.add(Double.isNaN(r.seconds()) ? "" : String.format(Locale.ROOT, "%.1f", r.seconds()));
      cells.add(mdCell(relative(dir, r.run())));
      sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
    sb.append("\nPlot: ")
        .append(PLOT)
        .append(" (dev ")
        .append(metric)
        .append(" against forward passes).\n");
    return sb.toString();
  }

  /** The dev metric of every finished run with known forward passes against its forward passes. */
  static void plot(Path file, List<Row> ranked) throws IOException {
    List<LinePlot.Series> series = new ArrayList<>();
    Set<String> metrics = new LinkedHashSet<>();
    for (Row r : ranked) {
      if (r.status() != Status.DONE || Double.isNaN(r.forwardPassesPerStep())) {
        continue;
      }
      metrics.add(r.metricName());
      double[] x = new double[r.evalSteps().length];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.evalSteps()[i] * r.forwardPassesPerStep();
      }
      series.add(
          new LinePlot.Series(
              r.configuration().name(), x, r.evalMetrics(), LinePlot.palette(series.size())));
    }
    String metric = metrics.isEmpty() ? "metric" : String.join("/", metrics);
    LinePlot.writePng(
        file,
        LinePlot.render(
            "Sweep: dev " + metric + " per configuration",
            "training forward passes",
            "dev " + metric,
            series,
            RunPlots.WIDTH,
            RunPlots.HEIGHT));
  }

  private static List<JsonNode> evalEvents(Path metrics) throws IOException {
    List<JsonNode> events = new ArrayList<>();
    if (!Files.isRegularFile(metrics)) {
      return events;
    }
    for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode e = JsonFiles.MAPPER.readTree(line);
      if ("eval".equals(e.path("event").asText())) {
        events.add(e);
      }
    }
    return events;
  }

  /** A JSON number, or a "NaN" string as Jackson writes non-finite doubles; NaN when absent. */
  private static double number(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return Double.NaN;
    }
    return n.isNumber() ? n.asDouble() : n.asDouble(Double.NaN);
  }

  private static String plain(double v) {
    return Double.isNaN(v) ? "" : Double.toString(v);
  }

  private static String fixed(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String passes(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.0f", v);
  }

  private static String relative(Path dir, Path run) {
    Path a = dir.toAbsolutePath().normalize();
    Path b = run.toAbsolutePath().normalize();
    return b.startsWith(a) ? a.relativize(b).toString() : b.toString();
  }

  private static String cell(String s) {
    return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }

  private static String mdCell(String s) {
    return cell(s).replace("|", "\\|");
  }
}
