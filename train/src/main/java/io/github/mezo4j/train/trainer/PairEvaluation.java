package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.metrics.Retrieval;
import java.util.List;

/**
 * Metrics of an embedding model on a set of pairs, measured in one pass: correlations for scored
 * and labeled pairs, retrieval metrics for positive pairs; the ones that do not apply are NaN.
 *
 * @param spearman Spearman's rank correlation of cosine and gold score (ties: average ranks)
 * @param pearson Pearson's correlation of cosine and gold score
 * @param recallAt1 fraction of queries whose own passage ranks first among all passages
 * @param recallAt10 fraction whose passage ranks in the top 10
 * @param mrrAt10 mean reciprocal rank of the passage, 0 beyond rank 10
 * @param loss the run's objective over the whole set
 * @param examples how many pairs were scored
 */
public record PairEvaluation(
    double spearman,
    double pearson,
    double recallAt1,
    double recallAt10,
    double mrrAt10,
    double loss,
    int examples)
    implements Scores {

  /** The metrics of scored and labeled pairs; the first picks checkpoints. */
  public static final List<DevMetric> CORRELATION_METRICS =
      List.of(DevMetric.SPEARMAN, DevMetric.PEARSON);

  /** The metrics of positive pairs; the first picks checkpoints. */
  public static final List<DevMetric> RETRIEVAL_METRICS =
      List.of(DevMetric.MRR_AT_10, DevMetric.RECALL_AT_10, DevMetric.RECALL_AT_1);

  /** The metrics of scored or labeled pairs. */
  public static PairEvaluation correlation(
      double spearman, double pearson, double loss, int examples) {
    return new PairEvaluation(
        spearman, pearson, Double.NaN, Double.NaN, Double.NaN, loss, examples);
  }

  /** The metrics of positive pairs. */
  public static PairEvaluation retrieval(Retrieval r, double loss) {
    return new PairEvaluation(
        Double.NaN, Double.NaN, r.recallAt1(), r.recallAt10(), r.mrrAt10(), loss, r.queries());
  }

  /** The metrics a kind of pairs is reported with; the first is its default. */
  public static List<DevMetric> metrics(PairKind kind) {
    return kind.scored() ? CORRELATION_METRICS : RETRIEVAL_METRICS;
  }

  @Override
  public double metric(DevMetric metric) {
    return switch (metric) {
      case SPEARMAN -> spearman;
      case PEARSON -> pearson;
      case MRR_AT_10 -> mrrAt10;
      case RECALL_AT_10 -> recallAt10;
      case RECALL_AT_1 -> recallAt1;
      default ->
          throw new IllegalArgumentException(
              "pair runs do not measure %s: expected spearman, pearson, mrr@10, recall@10 or recall@1"
                  .formatted(metric.label()));
    };
  }

  /** Puts the metrics that apply as {@code prefix + name} ({@code dev_spearman}, ...). */
  @Override
  public void putInto(ObjectNode o, String prefix) {
    o.put(prefix + "loss", loss);
    for (DevMetric m :
        List.of(
            DevMetric.SPEARMAN,
            DevMetric.PEARSON,
            DevMetric.RECALL_AT_1,
            DevMetric.RECALL_AT_10,
            DevMetric.MRR_AT_10)) {
      double v = metric(m);
      if (!Double.isNaN(v)) {
        o.put(prefix + m.label(), v);
      }
    }
  }
}
