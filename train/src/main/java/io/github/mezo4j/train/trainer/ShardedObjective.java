package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;

/**
 * A MeZO objective spread over the workers of a {@link LossExchange}. Workers send the loss's part
 * of their shares of the batch ({@link ShardedLoss}: exact sums where the loss is a sum); the
 * driver runs no forward pass and combines them, which gives every loss exactly as the
 * single-process objective computes it, so losses, steps and replicas are bit-identical to one
 * process. Every evaluation of the objective is one round of the exchange.
 *
 * <ul>
 *   <li>{@link ParallelMode#DATA}: worker {@code r} runs shares {@code r, r + N, ...} of each batch
 *       ({@link ShardedLoss#part}) at the step's perturbation.
 *   <li>{@link ParallelMode#SEEDS}: worker {@code r} runs the whole batch at sample {@code r}'s
 *       perturbation; a step's samples are one round ({@link #lossPairs}).
 * </ul>
 *
 * @param <B> the kind's batch
 */
public final class ShardedObjective<B> implements PerturbedObjective<B> {
  private final ShardedLoss<B> loss;
  private final LossExchange exchange;
  private final ParallelMode mode;
  private long step = -1;
  private int call;

  /** {@code loss} spread over {@code exchange}'s workers as {@code mode} says. */
  public ShardedObjective(ShardedLoss<B> loss, LossExchange exchange, ParallelMode mode) {
    this.loss = loss;
    this.exchange = exchange;
    this.mode = mode;
  }

  /** Starts step {@code index}'s rounds (the batch of a step is read before the step). */
  public void startStep(long index) {
    step = index;
    call = 0;
  }

  @Override
  public double loss(B batch, VirtualPerturbation perturbation) {
    return dataRound(batch, perturbation, false)[0];
  }

  @Override
  public double[] lossPair(B batch, VirtualPerturbation plus) {
    return dataRound(batch, plus, true);
  }

  @Override
  public double[][] lossPairs(B batch, VirtualPerturbation[] pluses) {
    if (mode == ParallelMode.DATA) {
      return PerturbedObjective.super.lossPairs(batch, pluses);
    }
    if (pluses.length != exchange.workers()) {
      throw new IllegalStateException(
          "a seed-parallel step of %d samples on %d workers"
              .formatted(pluses.length, exchange.workers()));
    }
    int c = nextCall();
    double[] losses =
        switch (exchange) {
          case LossExchange.Client client ->
              client.exchange(step, c, loss.part(batch, 0, 1, pluses[client.rank()], true));
          case LossExchange.Hub hub -> {
            long[][][] parts = hub.gather(step, c);
            double[] all = new double[2 * parts.length];
            double sum = 0;
            int present = 0;
            for (int r = 0; r < parts.length; r++) {
              if (parts[r] != null) {
                all[2 * r] = loss.lossOf(batch, parts[r][0]);
                all[2 * r + 1] = loss.lossOf(batch, parts[r][1]);
                sum += all[2 * r] + all[2 * r + 1];
                present++;
              }
            }
            // a late worker's sample: equal losses, so its direction gets g = 0 in the log
            double midpoint = sum / (2 * present);
            for (int r = 0; r < parts.length; r++) {
              if (parts[r] == null) {
                all[2 * r] = midpoint;
                all[2 * r + 1] = midpoint;
              }
            }
            hub.publish(step, c, all);
            yield all;
          }
        };
    double[][] pairs = new double[pluses.length][];
    for (int k = 0; k < pairs.length; k++) {
      pairs[k] = new double[] {losses[2 * k], losses[2 * k + 1]};
    }
    return pairs;
  }

  private int nextCall() {
    if (step < 0) {
      throw new IllegalStateException("startStep was not called before the step's losses");
    }
    return call++;
  }

  /** A data-parallel round: this worker's share, or the driver's loss from all of them. */
  private double[] dataRound(B batch, VirtualPerturbation perturbation, boolean pair) {
    if (mode != ParallelMode.DATA) {
      throw new IllegalStateException(
          "a seed-parallel step evaluates its samples together, as two-sided n-SPSA does");
    }
    int c = nextCall();
    return switch (exchange) {
      case LossExchange.Client client ->
          client.exchange(
              step, c, loss.part(batch, client.rank(), client.workers(), perturbation, pair));
      case LossExchange.Hub hub -> {
        long[][][] parts = hub.gather(step, c);
        double[] losses = new double[pair ? 2 : 1];
        // all of the batch, or under a straggler timeout the shares of the workers on time
        for (int k = 0; k < losses.length; k++) {
          long[] total = null;
          for (long[][] part : parts) {
            if (part != null) {
              total = total == null ? part[k] : loss.combine(total, part[k]);
            }
          }
          losses[k] = loss.lossOf(batch, total);
        }
        hub.publish(step, c, losses);
        yield losses;
      }
    };
  }
}
