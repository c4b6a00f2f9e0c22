package io.github.mezo4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.cli.FinetuneCommandsTest;
import io.github.mezo4j.cli.Main;
import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.trainer.ParallelMode;
import io.github.mezo4j.train.trainer.RunDriver;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data-parallel run on a real Spark cluster of two executor JVMs ({@code local-cluster[2,1,..]},
 * no Spark distribution needed), whose first worker halts its executor mid-run on the stage's first
 * attempt: Spark relaunches the stage and the run ends with the step log and weights of a
 * single-process run.
 */
@Timeout(300) // a lost message would otherwise hang the build
class SparkRunTest {
  @TempDir static Path dir;
  private static SparkContext sc;

  @BeforeAll
  static void startCluster() throws Exception {
    // what local-cluster's executor launcher looks for in a Spark home (both may stay empty)
    Path home = dir.resolve("spark-home");
    Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
    Files.createDirectories(home.resolve("jars"));
    // local-cluster launches executors from this JVM's classpath when testing is on
    System.setProperty("spark.testing", "true");
    System.setProperty("spark.test.home", home.toString());
    SparkConf conf =
        new SparkConf()
            .setMaster("local-cluster[2,1,1024]")
            .setAppName("mezo4j-spark-test")
            .set("spark.executor.memory", "512m")
            .set("spark.ui.enabled", "false")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1")
            .set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1")
            .set("spark.executor.extraJavaOptions", "--add-modules=jdk.incubator.vector");
    sc = new SparkContext(conf);
    // a barrier stage needs both executors at once: wait for them (the driver counts as one)
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (sc.statusTracker().getExecutorInfos().length < 3) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the local cluster's executors did not start in 60 s");
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stopCluster() {
    if (sc != null) {
      sc.stop();
    }
  }

  private static String[] args(Path model, Path data, Path out) {
    return new String[] {
      "--model", model.toString(),
      "--task", "mine",
      "--data-dir", data.toString(),
      "--text-column", "review",
      "--label-column", "stars",
      "--labels", "neg,pos",
      "--steps", "6",
      "--eval-every", "3",
      "--batch", "16",
      "--lr", "1e-3",
      "--head", "similarity",
      "--threads", "1",
      "--out", out.toString()
    };
  }

  @Test
  void aRunWithALostExecutorEndsAsTheSingleProcessRun() throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(dir.resolve("model"));
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(32, 1));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(8, 2));

    Path single = dir.resolve("single");
    List<String> finetune = new ArrayList<>(List.of("finetune"));
    finetune.addAll(List.of(args(model, data, single)));
    assertEquals(0, Main.run(finetune.toArray(String[]::new)));

    Path spark = dir.resolve("spark");
    RunDriver.Outcome r =
        SparkMezo.fineTune(
            sc, new SparkMezo.Options(2, ParallelMode.DATA, 0, 3), args(model, data, spark));

    assertArrayEquals(
        Files.readAllBytes(single.resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(spark.resolve(RunFolder.STEP_LOG)),
        "the Spark run's step log must be the single process's, byte for byte");
    JsonNode one = new RunFolder(single).readSummary();
    assertEquals(one.get("final_dev_metric"), r.summary().get("final_dev_metric"));
    assertEquals(one.get("final_dev_loss"), r.summary().get("final_dev_loss"));
    JsonNode dp = r.summary().get("distributed");
    assertEquals(2, dp.get("workers").asInt());
    // the halted executor's stage was relaunched: both of its tasks joined again
    assertEquals(4, dp.get("worker_joins").asInt(), dp.toString());
    assertTrue(dp.get("exchange_bytes_from_workers").asLong() > 0);
  }

  @Test
  void aDecoderLanguageModelRunEndsAsTheSingleProcessRun() throws Exception {
    Path stories;
    try {
      stories = SharedData.root("stories260k").resolve("stories260k");
    } catch (NoSuchFileException e) {
      assumeTrue(false, "SKIPPED: shared data folder stories260k/ missing: " + e.getMessage());
      return;
    }
    Path data = dir.resolve("texts");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(32, 3));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(8, 4));
    List<String> args =
        List.of(
            "--model", stories.resolve("stories260K.bin").toString(),
            "--tokenizer", stories.resolve("tok512.bin").toString(),
            "--objective", "lm",
            "--task", "mine",
            "--data-dir", data.toString(),
            "--text-column", "review",
            "--label-column", "stars",
            "--labels", "neg,pos",
            "--steps", "6",
            "--eval-every", "3",
            "--batch", "8",
            "--lr", "1e-4",
            "--threads", "1");
    Path single = dir.resolve("decoder-single");
    List<String> finetune = new ArrayList<>(List.of("finetune"));
    finetune.addAll(args);
    finetune.addAll(List.of("--out", single.toString()));
    assertEquals(0, Main.run(finetune.toArray(String[]::new)));

    Path spark = dir.resolve("decoder-spark");
    List<String> distributed = new ArrayList<>(args);
    distributed.addAll(List.of("--out", spark.toString()));
    RunDriver.Outcome r =
        SparkMezo.fineTune(sc, SparkMezo.Options.of(2), distributed.toArray(String[]::new));

    assertArrayEquals(
        Files.readAllBytes(single.resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(spark.resolve(RunFolder.STEP_LOG)));
    JsonNode one = new RunFolder(single).readSummary();
    assertEquals(one.get("final_dev_metric"), r.summary().get("final_dev_metric"));
    assertEquals("decoder", r.summary().get("kind").asText());
    // per step and worker: one pair of counted NLL sums (73 bytes), after each worker's join
    assertEquals(
        2 * 25 + 6 * 2 * 73,
        r.summary().get("distributed").get("exchange_bytes_from_workers").asLong());
  }
}
