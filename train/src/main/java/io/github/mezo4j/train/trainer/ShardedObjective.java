package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.train.metrics.ClassificationLoss;

/**
 * A classifier's MeZO objective spread over the workers of a {@link ScoreExchange}: worker {@code
 * r} runs the forward passes of buckets {@code r, r + N, ...} of each batch ({@link
 * EncoderClassifier.Batch#shard}) and sends their f32 scores; the driver runs none, puts every
 * worker's scores back in bucket order and computes the loss exactly as the single-process
 * objective does, so losses, steps and replicas are bit-identical to a single process with the same
 * batch. Every evaluation of the objective is one round of the exchange.
 */
final class ShardedObjective implements PerturbedObjective<EncoderClassifier.Batch> {
  private final EncoderClassifier classifier;
  private final ClassificationLoss loss;
  private final Workers threads;
  private final ScoreExchange exchange;
  private long step = -1;
  private int call;

  ShardedObjective(
      EncoderClassifier classifier,
      ClassificationLoss loss,
      Workers threads,
      ScoreExchange exchange) {
    this.classifier = classifier;
    this.loss = loss;
    this.threads = threads;
    this.exchange = exchange;
  }

  /**
   * Starts step {@code index}'s rounds (the batch of a step is read before the step).
   *
   * @throws IllegalArgumentException if the workers cannot share the batch's buckets evenly
   */
  void startStep(long index, EncoderClassifier.Batch batch) {
    ScoreExchange.checkShares(batch.size(), exchange.workers());
    step = index;
    call = 0;
  }

  @Override
  public double loss(EncoderClassifier.Batch batch, VirtualPerturbation perturbation) {
    return round(batch, perturbation, false)[0];
  }

  @Override
  public double[] lossPair(EncoderClassifier.Batch batch, VirtualPerturbation plus) {
    return round(batch, plus, true);
  }

  private double[] round(
      EncoderClassifier.Batch batch, VirtualPerturbation perturbation, boolean pair) {
    if (step < 0) {
      throw new IllegalStateException("startStep was not called before the step's losses");
    }
    int c = call++;
    return switch (exchange) {
      case ScoreExchange.Client client -> {
        EncoderClassifier.Batch mine = batch.shard(client.rank(), client.workers());
        double[][] logits =
            pair
                ? classifier.logitsPair(mine, threads, perturbation)
                : new double[][] {classifier.logits(mine, threads, perturbation)};
        float[][] scores = new float[logits.length][];
        for (int k = 0; k < logits.length; k++) {
          scores[k] = EncoderClassifier.scores(logits[k]);
        }
        yield client.exchange(step, c, scores);
      }
      case ScoreExchange.Hub hub -> {
        float[][][] parts = hub.gather(step, c);
        int n = pair ? 2 : 1;
        double[] losses = new double[n];
        for (int k = 0; k < n; k++) {
          losses[k] = EncoderClassifier.lossOfScores(loss, batch.unshard(parts, k), batch);
        }
        hub.publish(step, c, losses);
        yield losses;
      }
    };
  }
}
