package io.github.mezo4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.spark.exchange.ExchangeHub;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.decoder.CandidateScore;
import io.github.mezo4j.train.decoder.DecoderFineTuneConfig;
import io.github.mezo4j.train.decoder.DecoderFineTuner;
import io.github.mezo4j.train.decoder.DecoderObjective;
import io.github.mezo4j.train.decoder.Stories260kLm;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.prompt.DecoderTemplates;
import io.github.mezo4j.train.trainer.LossExchange;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.ParallelMode;
import io.github.mezo4j.train.trainer.RunDriver;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.TrainParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Decoder runs (stories260K, a 260K-parameter Llama) spread over worker threads, against one
 * process: the classification objective's counts and cross-entropy sums and the language model's
 * token counts and NLL sums add up to the single process's losses bit for bit, whatever the split.
 */
@Timeout(120) // a lost message would otherwise hang the build
class DecoderDataParallelTest {
  @TempDir Path dir;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private static DecoderFineTuneConfig config(
      DecoderObjective objective, int batch, OptimizerSettings optim) {
    return new DecoderFineTuneConfig(
        new RunSettings(
            "sst2",
            "stories260K.bin",
            TrainParams.parse("all"),
            objective.languageModel() ? DevMetric.PERPLEXITY : DevMetric.ACCURACY,
            6,
            1e-4,
            1e-3,
            batch,
            5,
            3,
            false,
            Map.of("source", "Stories260kLm.REVIEWS"),
            "f32",
            optim),
        null,
        objective,
        CandidateScore.MEAN);
  }

  private static DecoderFineTuner.Run run(DecoderFineTuneConfig config, Path out)
      throws IOException {
    Stories260kLm.Loaded m = Stories260kLm.load();
    return new DecoderFineTuner.Run(
        config,
        m.lm(),
        DecoderTemplates.forTask("sst2"),
        2,
        m.checkpoint().config(),
        Stories260kLm.REVIEWS.subList(0, 8),
        Stories260kLm.REVIEWS.subList(8, 12),
        new RunDriver.Context(out, false, Workers.serial(), null, false, null));
  }

  @ParameterizedTest
  @CsvSource({
    "ce, 4, 2, data, local",
    "lm, 4, 2, data, tcp",
    "lm, 5, 3, data, local", // uneven: 2, 2 and 1 texts
    "accuracy, 4, 2, data, tcp",
    "lm, 4, 2, seeds, local" // n-SPSA, one sample per worker
  })
  void workersMatchOneProcessBitForBit(
      String objective, int batch, int workers, String spread, String transport) throws Exception {
    ParallelMode mode = ParallelMode.parse(spread);
    OptimizerSettings optim =
        mode == ParallelMode.SEEDS
            ? new OptimizerSettings("sgd", "constant", 0, 0, 0.9, "two-sided", workers, false)
            : OptimizerSettings.DEFAULT;
    DecoderFineTuneConfig c = config(DecoderObjective.parse(objective), batch, optim);
    DecoderFineTuner.Result single = DecoderFineTuner.run(run(c, dir.resolve("single")));

    Path out = dir.resolve("parallel");
    DecoderFineTuner.Run driver = run(c, out);
    TestExchange exchange =
        new TestExchange(
            new ExchangeHub(workers, Fingerprint.of(driver), new RunFolder(out).stepLog()),
            transport);
    open.add(exchange);
    List<Future<ParameterSet>> replicas = new ArrayList<>();
    for (int rank = 0; rank < workers; rank++) {
      int r = rank;
      replicas.add(
          threads.submit(
              () -> {
                DecoderFineTuner.Run w = run(c, Files.createTempDirectory(dir, "worker-" + r));
                LossExchange.Client client = exchange.client(r);
                byte[] log = client.join(Fingerprint.of(w));
                return DecoderFineTuner.follow(w.distributed(client, mode, w.context()), log);
              }));
    }
    DecoderFineTuner.Result parallel =
        DecoderFineTuner.run(driver.distributed(exchange.hub(), mode, driver.context()));

    assertArrayEquals(
        Files.readAllBytes(dir.resolve("single").resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(out.resolve(RunFolder.STEP_LOG)),
        "the step log must be the single process's, byte for byte");
    assertTrue(single.weights().contentEquals(parallel.weights()));
    for (Future<ParameterSet> replica : replicas) {
      assertTrue(single.weights().contentEquals(replica.get()), "a replica drifted");
    }
    assertEquals(single.bestDevMetric(), parallel.bestDevMetric());
    assertEquals(single.finalDevMetric(), parallel.finalDevMetric());
  }

  @Test
  void moreWorkersThanExamplesAreRefused() throws Exception {
    DecoderFineTuneConfig c = config(DecoderObjective.LANGUAGE_MODEL, 2, OptimizerSettings.DEFAULT);
    Path out = dir.resolve("parallel");
    DecoderFineTuner.Run driver = run(c, out);
    ExchangeHub hub = new ExchangeHub(3, Fingerprint.of(driver), new RunFolder(out).stepLog());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DecoderFineTuner.run(driver.distributed(hub, ParallelMode.DATA, driver.context())));
    assertTrue(e.getMessage().contains("2 examples"), e.getMessage());
  }
}
