package io.github.mezo4j.spark;

import io.github.mezo4j.train.trainer.ParallelMode;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * The {@code spark-submit} entry point: {@code --workers N}, optionally {@code --parallel data}
 * (the default) or {@code seeds} and {@code --straggler-timeout SECONDS}, and then {@code mezo4j
 * finetune}'s options. Prints the summary line and the outputs as {@code finetune} does.
 */
public final class SparkFinetune {
  private SparkFinetune() {}

  /** Runs; exit code 2 for bad options, 1 for a failed run. */
  public static void main(String[] args) throws Exception {
    List<String> finetune = new ArrayList<>();
    int workers = -1;
    ParallelMode mode = ParallelMode.DATA;
    long timeoutMillis = 0;
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--workers") && i + 1 < args.length) {
          workers = parseWorkers(args[++i]);
        } else if (a.startsWith("--workers=")) {
          workers = parseWorkers(a.substring("--workers=".length()));
        } else if (a.equals("--parallel") && i + 1 < args.length) {
          mode = ParallelMode.parse(args[++i]);
        } else if (a.startsWith("--parallel=")) {
          mode = ParallelMode.parse(a.substring("--parallel=".length()));
        } else if (a.equals("--straggler-timeout") && i + 1 < args.length) {
          timeoutMillis = parseSeconds(args[++i]);
        } else if (a.startsWith("--straggler-timeout=")) {
          timeoutMillis = parseSeconds(a.substring("--straggler-timeout=".length()));
        } else {
          finetune.add(a);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("mezo4j: " + e.getMessage());
      System.exit(2);
    }
    if (workers < 1) {
      System.err.println(
          "usage: spark-submit --class "
              + SparkFinetune.class.getName()
              + " mezo4j-spark.jar --workers N [--parallel data|seeds] [--straggler-timeout SECONDS]"
              + " FINETUNE-OPTIONS (those of mezo4j finetune)");
      System.exit(2);
    }
    SparkContext sc = new SparkContext(new SparkConf().setAppName("mezo4j finetune"));
    try {
      SparkMezo.fineTune(
          sc,
          new SparkMezo.Options(workers, mode, timeoutMillis, -1),
          finetune.toArray(String[]::new));
    } catch (IllegalArgumentException | IllegalStateException e) {
      System.err.println("mezo4j: " + e.getMessage());
      sc.stop();
      System.exit(1);
    }
    sc.stop();
  }

  /** Seconds (a positive number) as milliseconds. */
  private static long parseSeconds(String value) {
    double s;
    try {
      s = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      s = Double.NaN;
    }
    if (!(s > 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException(
          "--straggler-timeout takes a positive number of seconds, got '" + value + "'");
    }
    return Math.max(1, Math.round(s * 1000));
  }

  private static int parseWorkers(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--workers takes a whole number, got '" + value + "'");
    }
  }
}
