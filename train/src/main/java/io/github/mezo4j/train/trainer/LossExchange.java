package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.method.PerturbationMode;

/**
 * The per-step channel of a distributed run: the driver and {@link #workers()} workers, each
 * holding a full replica. In every loss evaluation ("round", keyed by the step and the call's index
 * within it) each worker sends its part of the loss over its share of the batch ({@link
 * ShardedLoss}: a few exact integer sums per evaluated sign for classification and language-model
 * losses, however large the batch; its sentences' embeddings for pair losses), the driver combines
 * the parts and computes the losses (equal to a single process's bit for bit) and sends them back,
 * and every replica then makes the same update. Implementations: {@code mezo4j-spark}'s TCP hub and
 * its in-memory one for tests.
 */
public sealed interface LossExchange permits LossExchange.Hub, LossExchange.Client {
  /** The number of workers (the driver is not one). */
  int workers();

  /**
   * Refuses a worker's end where a run is driven (null: a run in one process).
   *
   * @throws IllegalArgumentException if {@code exchange} is a {@link Client}
   */
  static void checkDriver(LossExchange exchange) {
    if (exchange instanceof Client) {
      throw new IllegalArgumentException("a distributed run's worker runs with follow, not run");
    }
  }

  /**
   * Refuses anything but a worker's end where a replica follows a driver.
   *
   * @throws IllegalArgumentException if {@code exchange} is not a {@link Client}
   */
  static void checkWorker(LossExchange exchange) {
    if (!(exchange instanceof Client)) {
      throw new IllegalArgumentException("follow needs a distributed run worker's exchange");
    }
  }

  /**
   * Refuses to spread a run whose step log perturbs the weights in place (an earlier version's):
   * the workers compute their shares through the perturbation.
   *
   * @throws IllegalArgumentException naming the run's mode
   */
  static void checkVirtual(PerturbationMode mode) {
    if (mode != PerturbationMode.VIRTUAL) {
      throw new IllegalArgumentException(
          "a distributed run needs a step log in virtual perturbation mode; this run was started"
              + " in %s mode by an earlier version".formatted(mode.spec()));
    }
  }

  /** The driver's end. */
  non-sealed interface Hub extends LossExchange {
    /**
     * Every worker's part for round ({@code step}, {@code call}), indexed by rank; blocks until all
     * have arrived (a lost worker's replacement included), or, under a straggler timeout, gives
     * null for the workers that are late.
     *
     * @throws IllegalStateException if the exchange failed (a worker's model or settings differ
     *     from the driver's, the workers' job ended)
     */
    long[][][] gather(long step, int call);

    /** Sends the losses of round ({@code step}, {@code call}) to every worker. */
    void publish(long step, int call, double[] losses);
  }

  /** A worker's end. */
  non-sealed interface Client extends LossExchange {
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
     * Sends this worker's part for round ({@code step}, {@code call}), one array per evaluated
     * sign, and returns the losses the driver computed from every worker's.
     */
    double[] exchange(long step, int call, long[][] part);
  }
}
