package io.github.mezo4j.spark.exchange;

import io.github.mezo4j.train.trainer.LossExchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The driver's end of the exchange, whatever carries the messages ({@link TcpExchange}, {@link
 * LocalExchange}) hand it the workers' requests from their own threads. Joins wait for the driver's
 * thread, which handles them while it waits in {@link #gather}, so a joining worker's copy of the
 * step log never catches a record half-written.
 *
 * <p>A worker's part of a round is kept until the driver gathers that round, and every round's
 * losses are kept for the rest of the run: a worker that replaced a lost one replays the log and
 * asks again for rounds the others already finished, and gets the same answer at once, even after
 * the driver finished. A rank may send a round twice (a relaunched worker); the two must be the
 * same bits, else the replicas disagree and the run stops. The rounds are shared between those
 * threads, so their changes are synchronized.
 */
public final class ExchangeHub implements LossExchange.Hub {
  /** How a transport answers one request. */
  public interface Reply {
    /** The join succeeded: the step log so far. */
    void welcome(byte[] stepLog);

    /** The losses of the round the request sent its part of. */
    void losses(long step, int call, double[] losses);

    /** The request was refused, or the run failed: why. */
    void refuse(String why);
  }

  private record Round(long step, int call) {}

  /** A join (or, with no reply, a wake-up of the driver's thread). */
  private record Request(int rank, long fingerprint, Reply reply) {}

  private static final Request WAKE = new Request(-1, 0, null);

  private final class Pending {
    final long firstNanos = System.nanoTime();
    final long[][][] parts = new long[workers][][];
    final List<Reply> replies = new ArrayList<>();
  }

  private final int workers;
  private final long fingerprint;
  private final Path stepLog;
  private final long timeoutMillis;
  private final Path stragglerLog;
  private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final Map<Round, Pending> pending = new HashMap<>();
  private final Map<Round, double[]> done = new HashMap<>();
  private final AtomicReference<String> failure = new AtomicReference<>();
  private volatile int joins;

  /**
   * A hub for {@code workers} workers of the run whose step log is {@code stepLog}, waiting for
   * every worker at every round.
   *
   * @param fingerprint the driver's {@link io.github.mezo4j.spark.Fingerprint}: every worker must
   *     send the same
   */
  public ExchangeHub(int workers, long fingerprint, Path stepLog) {
    this(workers, fingerprint, stepLog, 0, null);
  }

  /**
   * A hub that stops waiting for late workers: once {@code timeoutMillis} have passed since the
   * first worker sent its part of a round, {@link #gather} returns without the missing parts (null)
   * and appends the round, who was used and who was missing to {@code stragglerLog} (one JSON line
   * each). The step log still holds what every replica applied, so replay stays exact; only the
   * equality with a single-process run is given up. 0 waits for ever.
   */
  public ExchangeHub(
      int workers, long fingerprint, Path stepLog, long timeoutMillis, Path stragglerLog) {
    if (workers < 1) {
      throw new IllegalArgumentException("need at least one worker, got " + workers);
    }
    if (timeoutMillis < 0 || (timeoutMillis > 0 && stragglerLog == null)) {
      throw new IllegalArgumentException(
          "a straggler timeout must be 0 (wait) or positive with a log, got " + timeoutMillis);
    }
    this.workers = workers;
    this.fingerprint = fingerprint;
    this.stepLog = stepLog;
    this.timeoutMillis = timeoutMillis;
    this.stragglerLog = stragglerLog;
  }

  @Override
  public int workers() {
    return workers;
  }

  /** Workers that joined so far: the worker count plus one for every replacement. */
  public int joins() {
    return joins;
  }

  /** A transport's join request from worker {@code rank}. */
  public synchronized void join(int rank, int workerCount, long workerFingerprint, Reply reply) {
    if (workerCount != workers) {
      reply.refuse(
          "worker %d was started for %d workers, the driver runs %d"
              .formatted(rank, workerCount, workers));
      return;
    }
    if (failure.get() != null) {
      reply.refuse(failure.get());
      return;
    }
    requests.add(new Request(rank, workerFingerprint, reply));
  }

  /**
   * A transport's parts of worker {@code rank} for round ({@code step}, {@code call}): kept for the
   * driver's {@link #gather}, or answered at once when the round is already done (a late or
   * relaunched worker, even after the driver finished).
   */
  public void submit(int rank, long step, int call, long[][] parts, Reply reply) {
    if (rank < 0 || rank >= workers) {
      reply.refuse("rank %d is outside 0..%d".formatted(rank, workers - 1));
      return;
    }
    keep(rank, new Round(step, call), parts, reply);
    requests.add(WAKE);
  }

  private synchronized void keep(int rank, Round round, long[][] parts, Reply reply) {
    if (failure.get() != null) { // the run failed: nobody will gather this round
      reply.refuse(failure.get());
      return;
    }
    double[] answered = done.get(round);
    if (answered != null) {
      reply.losses(round.step(), round.call(), answered);
      return;
    }
    Pending p = pending.computeIfAbsent(round, k -> new Pending());
    long[][] before = p.parts[rank];
    if (before != null && !Arrays.deepEquals(before, parts)) {
      reply.refuse(
          fail(
              "worker %d sent different parts twice for step %d (call %d): its replicas disagree"
                  .formatted(rank, round.step() + 1, round.call())));
      return;
    }
    p.parts[rank] = parts;
    p.replies.add(reply);
  }

  /**
   * Stops the run: {@link #gather} throws with {@code why}, and every worker waiting for an answer
   * gets it as a refusal.
   *
   * @return the run's failure: {@code why}, or the first one if the run had failed already
   */
  public String fail(String why) {
    synchronized (this) {
      failure.compareAndSet(null, why);
      refuseAll(failure.get()); // also when the driver's thread is gone
    }
    requests.add(WAKE);
    return failure.get();
  }

  @Override
  public long[][][] gather(long step, int call) {
    Round round = new Round(step, call);
    while (true) {
      long[][][] ready = ready(round);
      if (ready != null) {
        return ready;
      }
      long[][][] partial = timeoutMillis == 0 ? null : partial(round);
      if (partial != null) {
        return partial;
      }
      Request r;
      try {
        r =
            requests.poll(
                timeoutMillis == 0 ? 1000 : Math.min(1000, timeoutMillis), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the workers", e);
      }
      if (failure.get() != null) {
        throw new IllegalStateException(failure.get());
      }
      if (r != null) {
        handle(r);
      }
    }
  }

  @Override
  public synchronized void publish(long step, int call, double[] losses) {
    Round round = new Round(step, call);
    done.put(round, losses.clone());
    Pending p = pending.remove(round);
    if (p != null) {
      for (Reply reply : p.replies) {
        reply.losses(step, call, losses);
      }
    }
  }

  /**
   * The parts of {@code round} that arrived (null for the missing), logged to the straggler log,
   * once the timeout has passed since the first of them came; else null.
   */
  private synchronized long[][][] partial(Round round) {
    Pending p = pending.get(round);
    if (p == null || System.nanoTime() - p.firstNanos < timeoutMillis * 1_000_000) {
      return null;
    }
    StringBuilder used = new StringBuilder();
    StringBuilder missing = new StringBuilder();
    for (int r = 0; r < workers; r++) {
      StringBuilder to = p.parts[r] == null ? missing : used;
      to.append(to.isEmpty() ? "" : ", ").append(r);
    }
    String line =
        "{\"step\": %d, \"call\": %d, \"used\": [%s], \"missing\": [%s]}%n"
            .formatted(round.step() + 1, round.call(), used, missing);
    try {
      Files.writeString(stragglerLog, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + stragglerLog, e);
    }
    return p.parts.clone();
  }

  /** Every worker's parts for {@code round}, or null while some are missing. */
  private synchronized long[][][] ready(Round round) {
    Pending p = pending.get(round);
    return p != null && Arrays.stream(p.parts).allMatch(s -> s != null) ? p.parts : null;
  }

  /** A join, in the driver's thread: the step log is not being written meanwhile. */
  private synchronized void handle(Request r) {
    if (r == WAKE || r.reply() == null) {
      return;
    }
    if (r.rank() < 0 || r.rank() >= workers) {
      r.reply().refuse("rank %d is outside 0..%d".formatted(r.rank(), workers - 1));
      return;
    }
    if (r.fingerprint() != fingerprint) {
      String why =
          ("worker %d's model, data or settings differ from the driver's (fingerprint %016x,"
                  + " the driver's %016x): every executor must read the same model and data"
                  + " files with the same options")
              .formatted(r.rank(), r.fingerprint(), fingerprint);
      r.reply().refuse(fail(why));
      return;
    }
    try {
      r.reply().welcome(Files.readAllBytes(stepLog));
      joins++;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the step log " + stepLog, e);
    }
  }

  private synchronized void refuseAll(String why) {
    for (Pending p : pending.values()) {
      for (Reply reply : p.replies) {
        reply.refuse(why);
      }
    }
    pending.clear();
    Request r;
    while ((r = requests.poll()) != null) {
      if (r.reply() != null) {
        r.reply().refuse(why);
      }
    }
  }
}
