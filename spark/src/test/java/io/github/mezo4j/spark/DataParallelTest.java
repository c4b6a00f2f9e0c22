package io.github.mezo4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.spark.exchange.ExchangeHub;
import io.github.mezo4j.spark.exchange.LocalExchange;
import io.github.mezo4j.spark.exchange.TcpExchange;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.LossExchange;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.ParallelMode;
import io.github.mezo4j.train.trainer.RunDriver;
import io.github.mezo4j.train.trainer.RunSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Data-parallel runs of worker threads against one process, through the in-memory exchange and
 * through TCP on 127.0.0.1.
 */
@Timeout(120) // a lost message would otherwise hang the build
class DataParallelTest {
  @TempDir Path dir;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final ConcurrentHashMap<Integer, EncoderClassifier> replicas = new ConcurrentHashMap<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private ParallelMode mode = ParallelMode.DATA;
  private long timeoutMillis; // the hubs' straggler timeout; 0 waits

  /** The driver's hub and how a worker of each rank reaches it. */
  private record Exchange(ExchangeHub hub, IntFunction<LossExchange.Client> clients) {
    LossExchange.Client client(int rank) {
      return clients.apply(rank);
    }
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  /** The tiny task with a batch of 16 (two forward buckets of 8). */
  private static FineTuneConfig config(int steps) {
    return config(steps, OptimizerSettings.DEFAULT);
  }

  private static FineTuneConfig config(int steps, OptimizerSettings optim) {
    return config(steps, optim, 16);
  }

  private static FineTuneConfig config(int steps, OptimizerSettings optim, int batch) {
    FineTuneConfig c = TinyTask.config("prompt", "all", steps, 5, false, optim);
    RunSettings r = c.run();
    return new FineTuneConfig(
        new RunSettings(
            r.task(),
            r.model(),
            r.params(),
            r.metric(),
            r.steps(),
            r.lr(),
            r.eps(),
            batch,
            r.seed(),
            r.evalEvery(),
            r.saveWeights(),
            r.data(),
            r.dtype(),
            r.optim()),
        c.head(),
        c.objective());
  }

  private static FineTuner.Run run(FineTuneConfig c, Path out, LongConsumer afterStep) {
    return TinyTask.run(c, out, false, 1, afterStep);
  }

  /** Starts worker {@code rank}: a fresh replica that joins, catches up and follows. */
  private Future<?> worker(Exchange exchange, FineTuneConfig c, int rank, LongConsumer hook) {
    return threads.submit(
        () -> {
          FineTuner.Run r = run(c, dir.resolve("worker-" + rank + "-" + System.nanoTime()), hook);
          LossExchange.Client client = exchange.client(rank);
          clients.put(rank, client);
          if (client instanceof AutoCloseable closeable) {
            open.add(closeable);
          }
          byte[] log = client.join(Fingerprint.of(r));
          replicas.put(
              rank,
              FineTuner.follow(
                  r.distributed(
                      client,
                      mode,
                      new RunDriver.Context(
                          r.context().out(), false, Workers.serial(), null, false, hook)),
                  log));
          return null;
        });
  }

  /** A run of {@code workers} fault-free workers and its driver, into {@code dir/parallel}. */
  private FineTuner.Result parallel(FineTuneConfig c, String transport, int workers)
      throws Exception {
    Path out = dir.resolve("parallel");
    Exchange exchange = exchange(transport, c, workers, out);
    List<Future<?>> started = new ArrayList<>();
    for (int rank = 0; rank < workers; rank++) {
      started.add(worker(exchange, c, rank, null));
    }
    FineTuner.Result parallel = driver(exchange, c, out);
    for (Future<?> w : started) {
      w.get();
    }
    return parallel;
  }

  private FineTuner.Result driver(Exchange exchange, FineTuneConfig c, Path out) throws Exception {
    FineTuner.Run r = run(c, out, null);
    return FineTuner.run(r.distributed(exchange.hub(), mode, r.context()));
  }

  private Exchange exchange(String transport, FineTuneConfig c, int workers, Path out)
      throws IOException {
    long fingerprint = Fingerprint.of(run(c, out, null));
    ExchangeHub hub =
        new ExchangeHub(
            workers,
            fingerprint,
            new RunFolder(out).stepLog(),
            timeoutMillis,
            dir.resolve("stragglers.jsonl"));
    if (transport.equals("local")) {
      return new Exchange(hub, new LocalExchange(hub)::client);
    }
    TcpExchange.Server server = TcpExchange.serve(hub, InetAddress.getLoopbackAddress());
    open.add(server);
    tcp = server;
    return new Exchange(
        hub,
        rank -> {
          try {
            return TcpExchange.connect("127.0.0.1", server.port(), rank, workers, 5_000);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private TcpExchange.Server tcp;
  private final ConcurrentHashMap<Integer, LossExchange.Client> clients = new ConcurrentHashMap<>();

  private void closeWorkers(int rank) {
    if (clients.get(rank) instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * The distributed run in {@code out} logged the single process's steps byte for byte, and the
   * driver and every worker replica hold its weights.
   */
  private void assertSameAsSingle(FineTuner.Result single, FineTuner.Result parallel, Path out)
      throws IOException {
    assertArrayEquals(
        Files.readAllBytes(dir.resolve("single").resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(out.resolve(RunFolder.STEP_LOG)),
        "the driver's step log must be the single process's, byte for byte");
    assertTrue(single.classifier().trainable().contentEquals(parallel.classifier().trainable()));
    for (EncoderClassifier replica : replicas.values()) {
      assertTrue(replica.trainable().contentEquals(parallel.classifier().trainable()));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "tcp"})
  void twoWorkersMatchOneProcessBitForBit(String transport) throws Exception {
    FineTuneConfig c = config(12);
    FineTuner.Result single = FineTuner.run(run(c, dir.resolve("single"), null));

    Path out = dir.resolve("parallel");
    FineTuner.Result parallel = parallel(c, transport, 2);

    assertSameAsSingle(single, parallel, out);
    assertEquals(
        single.summary().get("best_dev_metric"), parallel.summary().get("best_dev_metric"));
    assertEquals(12, StepLog.read(out.resolve(RunFolder.STEP_LOG)).records().size());
    if (tcp != null) {
      // per step and worker: the cross-entropy sums (count, whole, fraction) of 2 signs, framed,
      // whatever its share of the batch, and back two f64 losses; plus each worker's join and
      // the step log it got
      long sums = 1 + 8 + 4 + 4 + 2 * (4 + 3 * 8);
      long losses = 1 + 8 + 4 + 4 + 2 * 8;
      assertEquals(2 * 25 + 12 * 2 * sums, tcp.bytesIn());
      assertEquals(12 * 2 * losses, tcp.bytesOut() - tcp.welcomeBytes());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"accuracy", "f1"})
  void metricObjectivesAddUpFromTheWorkersSumsBitForBit(String objective) throws Exception {
    FineTuneConfig ce = config(8);
    FineTuneConfig c = new FineTuneConfig(ce.run(), ce.head(), ClassificationLoss.parse(objective));
    FineTuner.Result single = FineTuner.run(run(c, dir.resolve("single"), null));
    assertSameAsSingle(single, parallel(c, "local", 2), dir.resolve("parallel"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "tcp"})
  void aLostWorkerIsReplacedAndTheRunEndsAsIfNothingHappened(String transport) throws Exception {
    FineTuneConfig c = config(12);
    FineTuner.Result single = FineTuner.run(run(c, dir.resolve("single"), null));

    Path out = dir.resolve("parallel");
    Exchange exchange = exchange(transport, c, 2, out);
    Future<?> steady = worker(exchange, c, 0, null);
    Future<?> doomed =
        worker(
            exchange,
            c,
            1,
            step -> {
              if (step == 7) {
                closeWorkers(1); // its connection dies with it
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

    assertSameAsSingle(single, parallel, out);
  }

  @Test
  void aLostDriverResumesFromItsRunFolderWithNewWorkers() throws Exception {
    FineTuneConfig c = config(12);
    FineTuner.Result single = FineTuner.run(run(c, dir.resolve("single"), null));

    Path out = dir.resolve("parallel");
    Exchange first = exchange("local", c, 2, out);
    Future<?> a = worker(first, c, 0, null);
    Future<?> b = worker(first, c, 1, null);
    FineTuner.Run crashing =
        run(
            c,
            out,
            step -> {
              if (step == 8) {
                throw new IllegalStateException("driver lost after step 8");
              }
            });
    Exception lost =
        assertThrows(
            IllegalStateException.class,
            () -> FineTuner.run(crashing.distributed(first.hub(), mode, crashing.context())));
    assertTrue(lost.getMessage().contains("driver lost"), lost.getMessage());
    first.hub().fail("the driver is gone"); // what a closed connection tells TCP workers
    assertThrows(Exception.class, a::get);
    assertThrows(Exception.class, b::get);

    // the same command with --resume: the run folder's last checkpoint (step 5) and new workers
    Exchange second = exchange("local", c, 2, out);
    Future<?> a2 = worker(second, c, 0, null);
    Future<?> b2 = worker(second, c, 1, null);
    FineTuner.Run resumed = TinyTask.run(c, out, true, 1, null);
    FineTuner.Result parallel =
        FineTuner.run(resumed.distributed(second.hub(), mode, resumed.context()));
    a2.get();
    b2.get();

    assertSameAsSingle(single, parallel, out);
    assertEquals(single.summary().get("best_step"), parallel.summary().get("best_step"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "tcp"})
  void aWorkerWithAnotherModelIsRefusedBeforeAnyStep(String transport) throws Exception {
    FineTuneConfig c = config(4);
    Path out = dir.resolve("parallel");
    Exchange exchange = exchange(transport, c, 1, out);
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

  @ParameterizedTest
  @ValueSource(strings = {"local", "tcp"})
  void seedParallelWorkersMatchOneProcessOfNSpsa(String transport) throws Exception {
    // two-sided n-SPSA with 2 samples and Adam: each worker runs one sample's whole batch
    FineTuneConfig c =
        config(8, new OptimizerSettings("adam", "constant", 0, 0, 0.9, "two-sided", 2, false));
    FineTuner.Result single = FineTuner.run(run(c, dir.resolve("single"), null));

    mode = ParallelMode.SEEDS;
    Path out = dir.resolve("parallel");
    FineTuner.Result parallel = parallel(c, transport, 2);

    assertSameAsSingle(single, parallel, out);
  }

  @Test
  void underAStragglerTimeoutALateWorkerIsLeftOutLoggedAndKeptInStep() throws Exception {
    timeoutMillis = 200;
    FineTuneConfig c = config(8);
    Path out = dir.resolve("parallel");
    Exchange exchange = exchange("local", c, 2, out);
    Future<?> w0 = worker(exchange, c, 0, null);
    Future<?> w1 =
        worker(
            exchange,
            c,
            1,
            step -> {
              if (step == 3) {
                try {
                  Thread.sleep(1500); // late for step 4
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              }
            });
    FineTuner.Result parallel = driver(exchange, c, out);
    w0.get();
    w1.get();

    List<String> left = Files.readAllLines(dir.resolve("stragglers.jsonl"));
    assertTrue(
        left.contains("{\"step\": 4, \"call\": 0, \"used\": [0], \"missing\": [1]}"),
        left.toString());
    assertEquals(8, StepLog.read(out.resolve(RunFolder.STEP_LOG)).records().size());
    // the late worker applied the steps it missed as logged: every replica holds the same weights
    assertEquals(2, replicas.size());
    for (EncoderClassifier replica : replicas.values()) {
      assertTrue(replica.trainable().contentEquals(parallel.classifier().trainable()));
    }
  }

  @Test
  void seedParallelNeedsOneSamplePerWorker() throws IOException {
    mode = ParallelMode.SEEDS;
    FineTuneConfig c = config(4); // one sample per step, two workers
    Path out = dir.resolve("parallel");
    Exchange exchange = exchange("local", c, 2, out);
    Exception e = assertThrows(IllegalArgumentException.class, () -> driver(exchange, c, out));
    assertTrue(e.getMessage().contains("--estimator two-sided --samples 2"), e.getMessage());
  }

  @Test
  void moreWorkersThanTheBatchHasBucketsAreRefused() throws IOException {
    FineTuneConfig c = config(4);
    Path out = dir.resolve("parallel");
    Exchange exchange = exchange("local", c, 3, out);
    Exception e = assertThrows(IllegalArgumentException.class, () -> driver(exchange, c, out));
    assertTrue(e.getMessage().contains("2 forward buckets"), e.getMessage());
    assertTrue(e.getMessage().contains("3 workers"), e.getMessage());
  }

  @Test
  void unevenSharesWeighByTheirCounts() throws Exception {
    // 3 buckets of 8, 8 and 4 sentences on 2 workers: one sends 16 sentences' sums, the other 4
    FineTuneConfig c = config(6, OptimizerSettings.DEFAULT, 20);
    FineTuner.Result single = FineTuner.run(run(c, dir.resolve("single"), null));
    assertSameAsSingle(single, parallel(c, "tcp", 2), dir.resolve("parallel"));
  }
}
