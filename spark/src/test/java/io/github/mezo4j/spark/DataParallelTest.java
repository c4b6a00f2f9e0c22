package io.github.mezo4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.spark.exchange.ExchangeHub;
import io.github.mezo4j.spark.exchange.LocalExchange;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.RunDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data-parallel runs with the in-memory exchange and worker threads, against one process. */
class DataParallelTest {
  @TempDir Path dir;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final ConcurrentHashMap<Integer, EncoderClassifier> replicas = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  /** The tiny task with a batch of 16 (two forward buckets of 8) and an Adam optimizer. */
  private static FineTuneConfig config(int steps) {
    FineTuneConfig c = TinyTask.config("prompt", "all", steps, 5, false);
    return new FineTuneConfig(
        c.task(),
        c.model(),
        c.head(),
        c.params(),
        c.objective(),
        c.metric(),
        c.steps(),
        c.lr(),
        c.eps(),
        16,
        c.seed(),
        c.evalEvery(),
        c.saveWeights(),
        c.data(),
        c.dtype(),
        c.optim());
  }

  private static FineTuner.Run run(FineTuneConfig c, Path out, LongConsumer afterStep) {
    return TinyTask.run(c, out, false, 1, afterStep);
  }

  /** Starts worker {@code rank}: a fresh replica that joins, catches up and follows. */
  private Future<?> worker(LocalExchange exchange, FineTuneConfig c, int rank, LongConsumer hook) {
    return threads.submit(
        () -> {
          FineTuner.Run r = run(c, dir.resolve("worker-" + rank + "-" + System.nanoTime()), hook);
          var client = exchange.client(rank);
          byte[] log = client.join(Fingerprint.of(r));
          replicas.put(
              rank,
              FineTuner.follow(
                  r.dataParallel(
                      client,
                      new RunDriver.Context(
                          r.context().out(), false, Workers.serial(), null, false, hook)),
                  log));
          return null;
        });
  }

  private FineTuner.Result driver(LocalExchange exchange, FineTuneConfig c, Path out)
      throws Exception {
    FineTuner.Run r = run(c, out, null);
    return FineTuner.run(r.dataParallel(exchange.hub(), r.context()));
  }

  private static LocalExchange exchange(FineTuneConfig c, int workers, Path out) {
    long fingerprint = Fingerprint.of(run(c, out, null));
    return new LocalExchange(new ExchangeHub(workers, fingerprint, new RunFolder(out).stepLog()));
  }

  @Test
  void twoWorkersMatchOneProcessBitForBit() throws Exception {
    FineTuneConfig c = config(12);
    FineTuner.Result single = FineTuner.run(run(c, dir.resolve("single"), null));

    Path out = dir.resolve("parallel");
    LocalExchange exchange = exchange(c, 2, out);
    List<Future<?>> workers = new ArrayList<>();
    for (int rank = 0; rank < 2; rank++) {
      workers.add(worker(exchange, c, rank, null));
    }
    FineTuner.Result parallel = driver(exchange, c, out);
    for (Future<?> w : workers) {
      w.get();
    }

    assertArrayEquals(
        Files.readAllBytes(dir.resolve("single").resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(out.resolve(RunFolder.STEP_LOG)),
        "the driver's step log must be the single process's, byte for byte");
    assertTrue(single.classifier().trainable().contentEquals(parallel.classifier().trainable()));
    for (EncoderClassifier replica : replicas.values()) {
      assertTrue(replica.trainable().contentEquals(parallel.classifier().trainable()));
    }
    assertEquals(
        single.summary().get("best_dev_metric"), parallel.summary().get("best_dev_metric"));
    assertEquals(12, StepLog.read(out.resolve(RunFolder.STEP_LOG)).records().size());
  }

  @Test
  void aLostWorkerIsReplacedAndTheRunEndsAsIfNothingHappened() throws Exception {
    FineTuneConfig c = config(12);
    FineTuner.Result single = FineTuner.run(run(c, dir.resolve("single"), null));

    Path out = dir.resolve("parallel");
    LocalExchange exchange = exchange(c, 2, out);
    Future<?> steady = worker(exchange, c, 0, null);
    Future<?> doomed =
        worker(
            exchange,
            c,
            1,
            step -> {
              if (step == 7) {
                throw new IllegalStateException("worker 1 lost after step 7");
              }
            });
    Future<FineTuner.Result> driver = threads.submit(() -> driver(exchange, c, out));
    Exception lost = assertThrows(Exception.class, doomed::get);
    assertTrue(lost.getMessage().contains("worker 1 lost"), lost.getMessage());
    Future<?> replacement = worker(exchange, c, 1, null);
    FineTuner.Result parallel = driver.get();
    steady.get();
    replacement.get();

    assertArrayEquals(
        Files.readAllBytes(dir.resolve("single").resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(out.resolve(RunFolder.STEP_LOG)));
    assertTrue(single.classifier().trainable().contentEquals(parallel.classifier().trainable()));
    assertTrue(replicas.get(1).trainable().contentEquals(parallel.classifier().trainable()));
  }

  @Test
  void aWorkerWithAnotherModelIsRefusedBeforeAnyStep() throws Exception {
    FineTuneConfig c = config(4);
    Path out = dir.resolve("parallel");
    LocalExchange exchange = exchange(c, 1, out);
    Future<?> other =
        threads.submit(
            () -> {
              FineTuner.Run r = run(c, dir.resolve("other"), null);
              r.classifier().trainable().iterator().next().set(0, 42f); // another model file
              return exchange.client(0).join(Fingerprint.of(r));
            });
    Exception e = assertThrows(IllegalStateException.class, () -> driver(exchange, c, out));
    assertTrue(
        e.getMessage().contains("worker 0's model, data or settings differ"), e.getMessage());
    assertThrows(Exception.class, other::get);
    assertEquals(0, StepLog.read(out.resolve(RunFolder.STEP_LOG)).records().size());
  }

  @Test
  void workersThatCannotShareTheBatchEvenlyAreRefused() {
    FineTuneConfig c = config(4);
    Path out = dir.resolve("parallel");
    LocalExchange exchange = exchange(c, 3, out);
    Exception e = assertThrows(IllegalArgumentException.class, () -> driver(exchange, c, out));
    assertTrue(e.getMessage().contains("cannot be shared evenly by 3 workers"), e.getMessage());
  }
}
