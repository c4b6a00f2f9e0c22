package io.github.mezo4j.spark.exchange;

import io.github.mezo4j.train.trainer.ScoreExchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * LocalExchange}): transports hand it the workers' requests, and the driver's thread handles them
 * while it waits in {@link #gather}, so a joining worker's copy of the step log never catches a
 * record half-written.
 *
 * <p>The driver's thread changes the rounds; {@link #fail} may come from any thread, so the changes
 * are synchronized. A worker's scores for a round are kept until the driver gathers that round, and
 * every round's losses are kept for the rest of the run: a worker that replaced a lost one replays
 * the log and asks again for rounds the others already finished, and gets the same answer. A rank
 * may send a round twice (a relaunched worker); the two must be the same bits, else the replicas
 * disagree and the run stops.
 */
public final class ExchangeHub implements ScoreExchange.Hub {
  /** How a transport answers one request. */
  public interface Reply {
    /** The join succeeded: the step log so far. */
    void welcome(byte[] stepLog);

    /** The losses of the round the request sent scores for. */
    void losses(long step, int call, double[] losses);

    /** The request was refused, or the run failed: why. */
    void refuse(String why);
  }

  private record Round(long step, int call) {}

  private record Request(int rank, long fingerprint, Round round, float[][] scores, Reply reply) {}

  private final class Pending {
    final float[][][] scores = new float[workers][][];
    final List<Reply> replies = new ArrayList<>();
  }

  private final int workers;
  private final long fingerprint;
  private final Path stepLog;
  private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final Map<Round, Pending> pending = new HashMap<>();
  private final Map<Round, double[]> done = new HashMap<>();
  private final AtomicReference<String> failure = new AtomicReference<>();
  private volatile int joins;

  /**
   * A hub for {@code workers} workers of the run whose step log is {@code stepLog}.
   *
   * @param fingerprint the driver's {@link io.github.mezo4j.spark.Fingerprint}: every worker must
   *     send the same
   */
  public ExchangeHub(int workers, long fingerprint, Path stepLog) {
    if (workers < 1) {
      throw new IllegalArgumentException("need at least one worker, got " + workers);
    }
    this.workers = workers;
    this.fingerprint = fingerprint;
    this.stepLog = stepLog;
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
  public void join(int rank, int workerCount, long workerFingerprint, Reply reply) {
    if (workerCount != workers) {
      reply.refuse(
          "worker %d was started for %d workers, the driver runs %d"
              .formatted(rank, workerCount, workers));
      return;
    }
    requests.add(new Request(rank, workerFingerprint, null, null, reply));
  }

  /** A transport's scores of worker {@code rank} for round ({@code step}, {@code call}). */
  public void submit(int rank, long step, int call, float[][] scores, Reply reply) {
    requests.add(new Request(rank, 0, new Round(step, call), scores, reply));
  }

  /**
   * Stops the run: {@link #gather} throws with {@code why}, and every worker waiting for an answer
   * gets it as a refusal.
   */
  public void fail(String why) {
    failure.compareAndSet(null, why);
    refuseAll(failure.get()); // also when the driver's thread is gone
    requests.add(new Request(-1, 0, null, null, null)); // wakes the driver's thread
  }

  @Override
  public float[][][] gather(long step, int call) {
    Round round = new Round(step, call);
    while (true) {
      float[][][] ready = ready(round);
      if (ready != null) {
        return ready;
      }
      Request r;
      try {
        r = requests.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the workers", e);
      }
      if (failure.get() != null) {
        refuseAll(failure.get());
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

  /** Every worker's scores for {@code round}, or null while some are missing. */
  private synchronized float[][][] ready(Round round) {
    Pending p = pending.get(round);
    return p != null && Arrays.stream(p.scores).allMatch(s -> s != null) ? p.scores : null;
  }

  private synchronized void handle(Request r) {
    if (r.rank() < 0 || r.rank() >= workers) {
      if (r.reply() != null) {
        r.reply().refuse("rank %d is outside 0..%d".formatted(r.rank(), workers - 1));
      }
      return;
    }
    if (r.round() == null) {
      if (r.fingerprint() != fingerprint) {
        String why =
            ("worker %d's model, data or settings differ from the driver's (fingerprint %016x,"
                    + " the driver's %016x): every executor must read the same model and data"
                    + " files with the same options")
                .formatted(r.rank(), r.fingerprint(), fingerprint);
        r.reply().refuse(why);
        failure.compareAndSet(null, why);
        return;
      }
      try {
        r.reply().welcome(Files.readAllBytes(stepLog));
        joins++;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the step log " + stepLog, e);
      }
      return;
    }
    double[] answered = done.get(r.round());
    if (answered != null) {
      r.reply().losses(r.round().step(), r.round().call(), answered);
      return;
    }
    Pending p = pending.computeIfAbsent(r.round(), k -> new Pending());
    float[][] before = p.scores[r.rank()];
    if (before != null && !Arrays.deepEquals(before, r.scores())) {
      failure.compareAndSet(
          null,
          "worker %d sent different scores twice for step %d (call %d): its replicas disagree"
              .formatted(r.rank(), r.round().step() + 1, r.round().call()));
    }
    p.scores[r.rank()] = r.scores();
    p.replies.add(r.reply());
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
