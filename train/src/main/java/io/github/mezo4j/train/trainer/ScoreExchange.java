package io.github.mezo4j.train.trainer;

/**
 * The per-step channel of a data-parallel run: the driver and {@link #workers()} workers, each
 * holding a full replica. In every loss evaluation ("round", keyed by the step and the call's index
 * within it) each worker sends the scores of its share of the batch's buckets, the driver computes
 * the losses from all of them in bucket order (so they equal a single process's bit for bit) and
 * sends them back, and every replica then makes the same update. Implementations: {@code
 * mezo4j-spark}'s TCP hub and its in-memory one for tests.
 */
public sealed interface ScoreExchange permits ScoreExchange.Hub, ScoreExchange.Client {
  /** The number of workers (the driver is not one). */
  int workers();

  /** The driver's end. */
  non-sealed interface Hub extends ScoreExchange {
    /**
     * Every worker's scores for round ({@code step}, {@code call}), indexed by rank; blocks until
     * all have arrived (a lost worker's replacement included), or, under a straggler timeout, gives
     * null for the workers that are late.
     *
     * @throws IllegalStateException if the exchange failed (a worker's model or settings differ
     *     from the driver's, the workers' job ended)
     */
    float[][][] gather(long step, int call);

    /** Sends the losses of round ({@code step}, {@code call}) to every worker. */
    void publish(long step, int call, double[] losses);
  }

  /** A worker's end. */
  non-sealed interface Client extends ScoreExchange {
    /** This worker's rank, 0 to {@code workers() - 1}. */
    int rank();

    /**
     * Joins the run: the driver checks {@code fingerprint} (model, data and settings) against its
     * own and answers with its step log so far, which the worker replays to catch up.
     *
     * @throws IllegalStateException if the driver refused the worker (with its reason)
     */
    byte[] join(long fingerprint);

    /**
     * Sends this worker's scores for round ({@code step}, {@code call}) and returns the losses the
     * driver computed from every worker's.
     */
    double[] exchange(long step, int call, float[][] scores);
  }
}
