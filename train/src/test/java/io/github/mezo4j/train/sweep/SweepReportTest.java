package io.github.mezo4j.train.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepReportTest {
  @Test
  void forwardPassesPerStepFromTheRecordedEstimator() {
    assertEquals(2, passes(JsonFiles.object()), "no estimator: MeZO's two-sided SPSA");
    assertEquals(6, passes(JsonFiles.object().put("estimator", "two-sided").put("samples", 3)));
    assertEquals(4, passes(JsonFiles.object().put("estimator", "one-sided").put("samples", 3)));
    assertEquals(5, passes(JsonFiles.object().put("estimator", "fzoo").put("samples", 4)));
    assertTrue(Double.isNaN(passes(JsonFiles.object().put("estimator", "forward-grad"))));
  }

  @Test
  void rankingByMetricThenForwardPassesThenStatus() {
    Grid g = Grid.parse(List.of("lr=1,2,3,4,5"));
    List<Grid.Configuration> c = g.configurations();
    List<SweepReport.Row> rows =
        List.of(
            done(c.get(0), "accuracy", 0.7, 10, 2),
            notStarted(c.get(1)),
            done(c.get(2), "accuracy", 0.8, 30, 2),
            done(c.get(3), "accuracy", 0.8, 20, 2),
            done(c.get(4), "accuracy", 0.8, 5, Double.NaN));
    assertEquals(
        List.of("lr=4", "lr=3", "lr=5", "lr=1", "lr=2"),
        SweepReport.ranked(rows).stream().map(r -> r.configuration().name()).toList());
    List<SweepReport.Row> perplexity =
        List.of(done(c.get(0), "perplexity", 9.0, 10, 2), done(c.get(1), "perplexity", 7.0, 10, 2));
    assertEquals(
        "lr=2", SweepReport.ranked(perplexity).get(0).configuration().name(), "lower is better");
  }

  private static double passes(ObjectNode config) {
    return SweepReport.forwardPassesPerStep(config);
  }

  private static SweepReport.Row done(
      Grid.Configuration c, String metric, double best, long step, double passes) {
    return new SweepReport.Row(
        c,
        Path.of("runs", c.name()),
        SweepReport.Status.DONE,
        metric,
        best,
        step,
        best,
        0.5,
        0.6,
        passes,
        1.0,
        new double[] {0, step},
        new double[] {0.5, best});
  }

  private static SweepReport.Row notStarted(Grid.Configuration c) {
    return new SweepReport.Row(
        c,
        Path.of("runs", c.name()),
        SweepReport.Status.NOT_STARTED,
        null,
        Double.NaN,
        -1,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        new double[0],
        new double[0]);
  }
}
