package io.github.mezo4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.cli.Main;
import io.github.mezo4j.spark.exchange.ExchangeHub;
import io.github.mezo4j.spark.exchange.TcpExchange;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.trainer.RunDriver;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steps per second of data-parallel runs of the built-in MiniLM on a local cluster of 1, 2 and 4
 * one-core executors against one process, and the cost of one exchange round over TCP. Not a test:
 * run it with {@code -Dmezo4j.bench=true} (docs/performance.md has the command).
 */
@EnabledIfSystemProperty(named = "mezo4j.bench", matches = "true")
class SparkBenchmark {
  @TempDir Path dir;

  private static final String[] WORDS =
      ("the a film movie story actor scene plot was is very quite rather good bad great dull fine"
              + " long short funny sad warm cold bright dark and but with of to in")
          .split(" ");

  /** {@code n} sentences of 62 one-piece words: 64 tokens with [CLS] and [SEP]. */
  private static String tsv(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder("sentence\tlabel\n");
    for (int i = 0; i < n; i++) {
      for (int w = 0; w < 62; w++) {
        sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
      }
      sb.append('\t').append(i % 2).append('\n');
    }
    return sb.toString();
  }

  private List<String> args(Path data, int batch, int steps, int threads, Path out) {
    return List.of(
        "--model", "minilm",
        "--task", "bench",
        "--data-dir", data.toString(),
        "--text-column", "sentence",
        "--label-column", "label",
        "--labels", "0,1",
        "--label-sentence", "It was bad.",
        "--label-sentence", "It was good.",
        "--train-params", "bias-norm",
        "--lr", "1e-3",
        "--batch", Integer.toString(batch),
        "--steps", Integer.toString(steps),
        "--eval-every", Integer.toString(steps),
        "--threads", Integer.toString(threads),
        "--out", out.toString());
  }

  /** Seconds per step between the step-0 and the last evaluation (one 8-sentence dev pass). */
  private static double secondsPerStep(Path out, int steps) throws Exception {
    List<JsonNode> evals = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve(RunFolder.METRICS))) {
      JsonNode e = JsonFiles.MAPPER.readTree(line);
      if (e.get("event").asText().equals("eval")) {
        evals.add(e);
      }
    }
    return (evals.getLast().get("elapsed_s").asDouble()
            - evals.getFirst().get("elapsed_s").asDouble())
        / steps;
  }

  private static SparkContext cluster(int workers, Path home) throws Exception {
    Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
    Files.createDirectories(home.resolve("jars"));
    System.setProperty("spark.testing", "true");
    System.setProperty("spark.test.home", home.toString());
    SparkContext sc =
        new SparkContext(
            new SparkConf()
                .setMaster("local-cluster[%d,1,1536]".formatted(workers))
                .setAppName("mezo4j-spark-bench")
                .set("spark.executor.memory", "1g")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1")
                .set(
                    "spark.executor.extraJavaOptions",
                    "--add-modules=jdk.incubator.vector -XX:+UseParallelGC"));
    while (sc.statusTracker().getExecutorInfos().length < workers + 1) {
      Thread.sleep(100);
    }
    return sc;
  }

  @Test
  void stepsPerSecond() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    StringBuilder table = new StringBuilder();
    table.append(
        "| batch x tokens | run | s/step | steps/s | vs one process (1 thread) |"
            + " bytes per step (to + from workers) |\n|---|---|---|---|---|---|\n");
    int[][] shapes = {{32, 30}, {256, 4}};
    for (int[] shape : shapes) {
      int batch = shape[0];
      int steps = shape[1];
      Files.writeString(data.resolve("train.tsv"), tsv(batch, 1));
      Files.writeString(data.resolve("dev.tsv"), tsv(8, 2));
      double one = 0;
      for (int threads : new int[] {1, 2}) {
        Path out = dir.resolve("single-%d-%d".formatted(batch, threads));
        List<String> a = new ArrayList<>(List.of("finetune"));
        a.addAll(args(data, batch, steps, threads, out));
        if (Main.run(a.toArray(String[]::new)) != 0) {
          throw new IllegalStateException("the single-process run failed");
        }
        double s = secondsPerStep(out, steps);
        one = threads == 1 ? s : one;
        table.append(
            String.format(
                Locale.ROOT,
                "| %dx64 | one process, %d thread%s | %.3f | %.2f | %.2fx | |%n",
                batch,
                threads,
                threads == 1 ? "" : "s",
                s,
                1 / s,
                one / s));
      }
      for (int workers : new int[] {1, 2, 4}) {
        SparkContext sc = cluster(workers, dir.resolve("spark-home-" + workers));
        try {
          Path out = dir.resolve("spark-%d-%d".formatted(batch, workers));
          RunDriver.Outcome r =
              SparkMezo.fineTune(
                  sc,
                  SparkMezo.Options.of(workers),
                  args(data, batch, steps, 1, out).toArray(String[]::new));
          double s = secondsPerStep(out, steps);
          JsonNode dp = r.summary().get("distributed");
          long bytes =
              dp.get("exchange_bytes_from_workers").asLong()
                  + dp.get("exchange_bytes_to_workers").asLong()
                  - 25L * workers;
          table.append(
              String.format(
                  Locale.ROOT,
                  "| %dx64 | Spark, %d worker%s x 1 core | %.3f | %.2f | %.2fx | %d |%n",
                  batch,
                  workers,
                  workers == 1 ? "" : "s",
                  s,
                  1 / s,
                  one / s,
                  bytes / steps));
        } finally {
          sc.stop();
        }
      }
    }
    table.append(exchangeRounds());
    System.out.println(table);
    Files.writeString(Path.of("target/spark-bench.md"), table);
  }

  /** The exchange alone: rounds of cross-entropy sums over TCP, with no forward pass. */
  private static String exchangeRounds() throws Exception {
    StringBuilder out = new StringBuilder("\n");
    for (int workers : new int[] {1, 2, 4}) {
      Path log = Files.createTempFile("bench", ".log");
      ExchangeHub hub = new ExchangeHub(workers, 1, log);
      int rounds = 2000;
      ExecutorService threads = Executors.newFixedThreadPool(workers);
      try (TcpExchange.Server server = TcpExchange.serve(hub, InetAddress.getLoopbackAddress())) {
        List<Future<?>> fs = new ArrayList<>();
        for (int rank = 0; rank < workers; rank++) {
          int k = rank;
          fs.add(
              threads.submit(
                  () -> {
                    try (TcpExchange.WorkerEnd c =
                        TcpExchange.connect("127.0.0.1", server.port(), k, workers, 5_000)) {
                      c.join(1);
                      long[][] sums = {{16, 3, 1}, {16, 4, 1}};
                      for (int i = 0; i < rounds; i++) {
                        c.exchange(i, 0, sums);
                      }
                    }
                    return null;
                  }));
        }
        long t0 = 0;
        for (int i = 0; i < rounds; i++) {
          if (i == 100) {
            t0 = System.nanoTime(); // after warm-up
          }
          hub.gather(i, 0);
          hub.publish(i, 0, new double[] {0.5, 0.25});
        }
        double us = (System.nanoTime() - t0) / 1e3 / (rounds - 100);
        for (Future<?> f : fs) {
          f.get();
        }
        out.append(
            String.format(
                Locale.ROOT,
                "exchange round, %d worker%s (cross-entropy sums, two-sided): %.0f us%n",
                workers,
                workers == 1 ? "" : "s",
                us));
      } finally {
        threads.shutdownNow();
        Files.deleteIfExists(log);
      }
    }
    return out.toString();
  }
}
