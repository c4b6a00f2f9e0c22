package io.github.mezo4j.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.cli.FinetuneCommand;
import io.github.mezo4j.spark.exchange.ExchangeHub;
import io.github.mezo4j.spark.exchange.TcpExchange;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.decoder.DecoderFineTuner;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.LossExchange;
import io.github.mezo4j.train.trainer.PairFineTuner;
import io.github.mezo4j.train.trainer.ParallelMode;
import io.github.mezo4j.train.trainer.RunDriver;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import picocli.CommandLine;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Data-parallel MeZO fine-tuning on a Spark cluster, with {@code mezo4j finetune}'s options and run
 * folder.
 *
 * <p>The driver (this JVM) writes the run folder, evaluates the dev split and computes every loss;
 * a barrier stage of {@code workers} Spark tasks holds one full replica each (MeZO needs only
 * inference memory) and runs the forward passes of its share of each step: its buckets or texts of
 * the batch, or its sample's whole batch. Per step a worker sends its part of the loss (exact sums
 * over its examples, three numbers per sign for cross-entropy; its sentences' embeddings for pair
 * losses) and gets back the losses, through {@link TcpExchange} rather than a Spark barrier (which
 * polls once a second). The step log, weights and metrics are those of a single-process run with
 * the same batch, bit for bit, so {@code eval}, {@code replay} and {@code --resume} read the folder
 * as any other.
 *
 * <p>A lost executor fails the barrier stage and Spark relaunches all of its tasks: each new task
 * rebuilds its replica from the base weights and the driver's step log, and the run continues where
 * it was (the driver waits meanwhile). A lost driver is resumed with {@code --resume}.
 */
public final class SparkMezo {
  private SparkMezo() {}

  /** Where a run with a straggler timeout lists the rounds that left late workers out. */
  public static final String STRAGGLER_LOG = "stragglers.jsonl";

  /**
   * A run's Spark settings.
   *
   * @param workers the number of Spark tasks, each a replica (the cluster needs that many free
   *     slots at once: a barrier stage starts them together)
   * @param mode how a step is spread over the workers
   * @param stragglerTimeoutMillis 0: every step waits for every worker (the result equals a single
   *     process's); else a round goes on without the workers still missing this long after the
   *     first arrived, and {@value #STRAGGLER_LOG} in the run folder lists who was used
   * @param haltFirstAttemptAt for fault tests: worker 0 halts its JVM after this step on the
   *     stage's first attempt; -1 for never
   */
  public record Options(
      int workers, ParallelMode mode, long stragglerTimeoutMillis, long haltFirstAttemptAt)
      implements Serializable {
    /** {@code workers} data-parallel workers that wait for each other, no fault. */
    public static Options of(int workers) {
      return new Options(workers, ParallelMode.DATA, 0, -1);
    }
  }

  /** How a prepared run of any kind runs as the driver of a distributed run. */
  @FunctionalInterface
  private interface Driven {
    RunDriver.Outcome run(LossExchange.Hub hub, ParallelMode mode) throws IOException;
  }

  /** A kind's checkSpread: refuses a spread its batches cannot take, before any step. */
  @FunctionalInterface
  private interface SpreadCheck {
    void check(ParallelMode mode, int workers);
  }

  /** What the driver needs of a prepared run, whatever its model kind. */
  private record Prepared(
      RunDriver.Context context, long fingerprint, SpreadCheck spread, Driven driven) {}

  /**
   * Runs {@code finetuneArgs} (those of {@code mezo4j finetune}: an encoder on a classification or
   * sentence-pair task, or a decoder) on {@code sc}'s cluster.
   *
   * @return the run's outcome (its summary has a {@code distributed} section)
   * @throws IllegalArgumentException on bad options, a Spark or Java this cannot run on, or a batch
   *     with fewer shares than workers, before any step
   */
  public static RunDriver.Outcome fineTune(SparkContext sc, Options options, String... finetuneArgs)
      throws Exception {
    Runtimes.check(sc.version());
    if (options.workers() < 1) {
      throw new IllegalArgumentException("--workers must be at least 1, got " + options.workers());
    }
    FinetuneCommand command = new FinetuneCommand();
    new CommandLine(command).parseArgs(finetuneArgs);
    AtomicReference<RunDriver.Outcome> result = new AtomicReference<>();
    command.runDistributed(
        run -> {
          RunDriver.Outcome o = drive(sc, options, finetuneArgs, encoder(run));
          result.set(o);
          return new FineTuner.Result(o.summary(), run.classifier(), o.best(), o.last());
        },
        run -> {
          RunDriver.Outcome o = drive(sc, options, finetuneArgs, decoder(run));
          result.set(o);
          return new DecoderFineTuner.Result(
              o.summary(), run.lm().model().parameters(), o.best(), o.last());
        },
        run -> {
          RunDriver.Outcome o = drive(sc, options, finetuneArgs, pairs(run));
          result.set(o);
          return new PairFineTuner.Result(o.summary(), run.model(), o.best(), o.last());
        });
    return result.get();
  }

  private static Prepared encoder(FineTuner.Run run) {
    return new Prepared(
        run.context(),
        Fingerprint.of(run),
        (mode, workers) -> FineTuner.checkSpread(run, mode, workers),
        (hub, mode) -> {
          FineTuner.Result r = FineTuner.run(run.distributed(hub, mode, run.context()));
          return new RunDriver.Outcome(r.summary(), r.best(), r.last());
        });
  }

  private static Prepared decoder(DecoderFineTuner.Run run) {
    return new Prepared(
        run.context(),
        Fingerprint.of(run),
        (mode, workers) -> DecoderFineTuner.checkSpread(run, mode, workers),
        (hub, mode) -> {
          DecoderFineTuner.Result r =
              DecoderFineTuner.run(run.distributed(hub, mode, run.context()));
          return new RunDriver.Outcome(r.summary(), r.best(), r.last());
        });
  }

  private static Prepared pairs(PairFineTuner.Run run) {
    return new Prepared(
        run.context(),
        Fingerprint.of(run),
        (mode, workers) -> PairFineTuner.checkSpread(run, mode, workers),
        (hub, mode) -> {
          PairFineTuner.Result r = PairFineTuner.run(run.distributed(hub, mode, run.context()));
          return new RunDriver.Outcome(r.summary(), r.best(), r.last());
        });
  }

  private static RunDriver.Outcome drive(
      SparkContext sc, Options options, String[] args, Prepared run) throws IOException {
    int workers = options.workers();
    // before the workers start (the run checks the same again, for callers without Spark)
    run.spread().check(options.mode(), workers);
    RunFolder folder = new RunFolder(run.context().out());
    Path stragglers = folder.dir().resolve(STRAGGLER_LOG);
    if (!run.context().resume()) {
      Files.deleteIfExists(stragglers);
    }
    ExchangeHub hub =
        new ExchangeHub(
            workers,
            run.fingerprint(),
            folder.stepLog(),
            options.stragglerTimeoutMillis(),
            stragglers);
    String host =
        sc.getConf().get("spark.driver.host", InetAddress.getLocalHost().getHostAddress());
    try (TcpExchange.Server server = TcpExchange.serve(hub, InetAddress.getByName(host))) {
      String group = "mezo4j-" + System.nanoTime();
      WorkerTask task = new WorkerTask(args, host, server.port(), options);
      Thread job =
          new Thread(
              () -> {
                try {
                  sc.setJobGroup(group, "mezo4j workers", true);
                  ClassTag<String> tag = ClassTag$.MODULE$.apply(String.class);
                  RDD<String> done =
                      JavaSparkContext.fromSparkContext(sc)
                          .parallelize(IntStream.range(0, workers).boxed().toList(), workers)
                          .rdd()
                          .barrier()
                          .mapPartitions(task, false, tag);
                  // behind a shuffle the barrier stage is a map stage, which Spark relaunches
                  // when an executor is lost (a failed result stage would end the job)
                  JavaRDD.fromRDD(done, tag).repartition(1).collect();
                } catch (Throwable t) {
                  hub.fail("the workers' Spark job failed: " + t);
                }
              },
              "mezo4j-spark-job");
      job.setDaemon(true);
      job.start();
      RunDriver.Outcome r;
      try {
        r = run.driven().run(hub, options.mode());
      } catch (RuntimeException | IOException e) {
        sc.cancelJobGroup(group);
        throw e;
      }
      try {
        job.join(10_000); // the workers end with the last step
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (job.isAlive()) {
        sc.cancelJobGroup(group); // a finished run resumed: its workers had nothing to follow
      }
      ObjectNode dp = JsonFiles.object();
      dp.put("workers", workers);
      dp.put("mode", options.mode().option());
      dp.put("worker_joins", hub.joins());
      dp.put("exchange_bytes_from_workers", server.bytesIn());
      dp.put("exchange_bytes_to_workers", server.bytesOut() - server.welcomeBytes());
      dp.put("step_log_bytes_to_joining_workers", server.welcomeBytes());
      r.summary().set("distributed", dp);
      JsonFiles.write(folder.summary(), r.summary());
      return r;
    }
  }
}
