package io.github.mezo4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.spark.exchange.ExchangeHub;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.data.Column;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.metrics.PairLoss;
import io.github.mezo4j.train.trainer.LossExchange;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.PairEncoder;
import io.github.mezo4j.train.trainer.PairFineTuneConfig;
import io.github.mezo4j.train.trainer.PairFineTuner;
import io.github.mezo4j.train.trainer.ParallelMode;
import io.github.mezo4j.train.trainer.RunDriver;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.TrainParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sentence-pair runs (a tiny BERT) spread over worker threads, against one process. Pair losses
 * compare every pair with every other, so workers send their buckets' embeddings; the driver puts
 * them back in their rows, and the losses, steps and weights equal one process's bit for bit.
 */
@Timeout(120) // a lost message would otherwise hang the build
class PairDataParallelTest {
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

  private static List<TextPair> pairs(int n, long seed) {
    List<String> texts = TinyTask.data(2 * n, seed).texts();
    List<TextPair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new TextPair(texts.get(2 * i), texts.get(2 * i + 1), (i * 7 % 11) / 2.0));
    }
    return out;
  }

  private static PairFineTuneConfig config(PairKind kind, PairLoss loss, int batch) {
    return new PairFineTuneConfig(
        new RunSettings(
            "pairs",
            "tiny",
            TrainParams.parse("all"),
            kind.scored() ? DevMetric.SPEARMAN : DevMetric.MRR_AT_10,
            6,
            1e-3,
            1e-3,
            batch,
            3,
            3,
            false,
            Map.of("source", "TinyTask"),
            RunSettings.DEFAULT_DTYPE,
            OptimizerSettings.DEFAULT),
        kind,
        loss,
        PairLoss.DEFAULT_SCALE);
  }

  private static PairFineTuner.Run run(PairFineTuneConfig c, Path out) {
    PairTask task =
        PairTask.custom(
            "pairs",
            c.kind(),
            Column.at(0),
            Column.at(1),
            c.kind().scored() ? Column.at(2) : null,
            0,
            5,
            false);
    PairEncoder model = PairEncoder.meanPooled(TinyTask.encoder(3), TinyTask.tokenizer());
    return new PairFineTuner.Run(
        c,
        task,
        model,
        TinyTask.config(),
        null,
        pairs(12, 1),
        pairs(6, 2),
        new RunDriver.Context(out, false, Workers.serial(), null, false, null));
  }

  @ParameterizedTest
  @CsvSource({
    "scored, cosent, 8, 2, local", // 16 sentences: a bucket of 8 each
    "scored, cosine, 12, 3, tcp",
    "positive, mnr, 12, 2, tcp" // 24 sentences: 3 buckets on 2 workers, uneven
  })
  void workersMatchOneProcessBitForBit(
      String kind, String loss, int batch, int workers, String transport) throws Exception {
    PairFineTuneConfig c = config(PairKind.parse(kind), PairLoss.parse(loss), batch);
    PairFineTuner.Result single = PairFineTuner.run(run(c, dir.resolve("single")));

    Path out = dir.resolve("parallel");
    PairFineTuner.Run driver = run(c, out);
    TestExchange exchange =
        new TestExchange(
            new ExchangeHub(workers, Fingerprint.of(driver), new RunFolder(out).stepLog()),
            transport);
    open.add(exchange);
    List<Future<PairEncoder>> replicas = new ArrayList<>();
    for (int rank = 0; rank < workers; rank++) {
      int r = rank;
      replicas.add(
          threads.submit(
              () -> {
                PairFineTuner.Run w = run(c, Files.createTempDirectory(dir, "worker-" + r));
                LossExchange.Client client = exchange.client(r);
                byte[] log = client.join(Fingerprint.of(w));
                return PairFineTuner.follow(
                    w.distributed(client, ParallelMode.DATA, w.context()), log);
              }));
    }
    PairFineTuner.Result parallel =
        PairFineTuner.run(driver.distributed(exchange.hub(), ParallelMode.DATA, driver.context()));

    assertArrayEquals(
        Files.readAllBytes(dir.resolve("single").resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(out.resolve(RunFolder.STEP_LOG)),
        "the step log must be the single process's, byte for byte");
    var weights = single.model().embedder().encoder().parameters();
    assertTrue(weights.contentEquals(parallel.model().embedder().encoder().parameters()));
    for (Future<PairEncoder> replica : replicas) {
      assertTrue(
          weights.contentEquals(replica.get().embedder().encoder().parameters()),
          "a replica drifted");
    }
    assertEquals(single.finalDevMetric(), parallel.finalDevMetric());
  }
}
