package io.github.mezo4j.spark;

import io.github.mezo4j.cli.FinetuneCommand;
import io.github.mezo4j.spark.exchange.TcpExchange;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.decoder.DecoderFineTuner;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.LossExchange;
import io.github.mezo4j.train.trainer.PairFineTuner;
import io.github.mezo4j.train.trainer.RunDriver;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import org.apache.spark.BarrierTaskContext;
import picocli.CommandLine;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One Spark task of a data-parallel run: builds a replica from the same {@code finetune} options as
 * the driver, joins the driver's exchange, replays its step log and follows it to the end.
 */
final class WorkerTask
    implements Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<String>>,
        Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private final String[] args;
  private final String host;
  private final int port;
  private final SparkMezo.Options options;

  WorkerTask(String[] args, String host, int port, SparkMezo.Options options) {
    this.args = args.clone();
    this.host = host;
    this.port = port;
    this.options = options;
  }

  @Override
  public scala.collection.Iterator<String> apply(scala.collection.Iterator<Integer> partition) {
    try {
      return CollectionConverters.asScala(run(partition.next()).iterator());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private List<String> run(int rank) throws Exception {
    Runtimes.check(null);
    int attempt = BarrierTaskContext.get().stageAttemptNumber();
    long haltAt = options.haltFirstAttemptAt();
    LongConsumer hook =
        haltAt >= 0 && attempt == 0 && rank == 0
            ? step -> {
              if (step == haltAt) {
                Runtime.getRuntime().halt(1); // a lost executor, for fault tests
              }
            }
            : null;
    Path out = Files.createTempDirectory("mezo4j-worker-" + rank + "-");
    FinetuneCommand command = new FinetuneCommand();
    new CommandLine(command).parseArgs(args);
    try {
      // the replica's own folder and hook, with the threads the options asked for
      UnaryOperator<RunDriver.Context> follower =
          prepared -> new RunDriver.Context(out, false, prepared.workers(), null, false, hook);
      command.runDistributed(
          run ->
              follow(
                  rank,
                  Fingerprint.of(run),
                  (client, log) ->
                      FineTuner.follow(
                          run.distributed(client, options.mode(), follower.apply(run.context())),
                          log)),
          run ->
              follow(
                  rank,
                  Fingerprint.of(run),
                  (client, log) ->
                      DecoderFineTuner.follow(
                          run.distributed(client, options.mode(), follower.apply(run.context())),
                          log)),
          run ->
              follow(
                  rank,
                  Fingerprint.of(run),
                  (client, log) ->
                      PairFineTuner.follow(
                          run.distributed(client, options.mode(), follower.apply(run.context())),
                          log)));
    } finally {
      RunFolder.deleteTree(out);
    }
    return List.of("worker %d finished (stage attempt %d)".formatted(rank, attempt));
  }

  /** How a prepared replica follows the driver, given its end of the exchange and the log. */
  @FunctionalInterface
  private interface Follower {
    void follow(LossExchange.Client client, byte[] stepLog) throws IOException;
  }

  /**
   * Joins the driver as {@code rank} with {@code fingerprint} and follows; no result of its own.
   */
  private <R> R follow(int rank, long fingerprint, Follower follower) throws IOException {
    try (TcpExchange.WorkerEnd client =
        TcpExchange.connect(host, port, rank, options.workers(), 60_000)) {
      follower.follow(client, client.join(fingerprint));
    }
    return null;
  }
}
