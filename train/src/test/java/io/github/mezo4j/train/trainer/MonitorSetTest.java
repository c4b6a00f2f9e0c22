package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A monitor set is evaluated and reported at every evaluation but never picks a checkpoint. */
class MonitorSetTest {
  @TempDir Path dir;

  @Test
  void theMonitorIsReportedAndChangesNothingElse() throws Exception {
    FineTuneConfig c = TinyTask.config("linear", 12, 4, false);
    FineTuner.Result plain = FineTuner.run(TinyTask.run(c, dir.resolve("plain"), false, 2, null));
    FineTuner.Run r = TinyTask.run(c, dir.resolve("monitored"), false, 2, null);
    LabeledTexts monitor = TinyTask.data(20, 3);
    FineTuner.Result monitored =
        FineTuner.run(
            new FineTuner.Run(
                r.config(),
                r.classifier(),
                r.initialHead(),
                r.bertConfig(),
                r.tokenizerJson(),
                r.train(),
                r.dev(),
                new RunDriver.Context(
                    r.context().out(), false, r.context().workers(), null, false, null),
                monitor));

    assertEquals(plain.summary().get("best_step"), monitored.summary().get("best_step"));
    assertEquals(plain.bestDevMetric(), monitored.bestDevMetric());
    assertTrue(plain.classifier().trainable().contentEquals(monitored.classifier().trainable()));
    assertFalse(plain.summary().has("final_monitor_metric"));

    List<ObjectNode> evals = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("monitored").resolve(RunFolder.METRICS))) {
      ObjectNode e = (ObjectNode) JsonFiles.MAPPER.readTree(line);
      if (e.get("event").asText().equals("eval")) {
        evals.add(e);
      }
    }
    assertEquals(4, evals.size()); // steps 0, 4, 8, 12
    // the last evaluation's monitor accuracy is the final weights' accuracy on the monitor set
    EncoderClassifier.Batch b =
        monitored.classifier().batch(monitored.classifier().tokenize(monitor));
    double accuracy = monitored.classifier().evaluate(b, Workers.serial()).accuracy();
    assertEquals(accuracy, evals.get(3).get("monitor_accuracy").asDouble());
    assertEquals(accuracy, monitored.summary().get("final_monitor_metric").asDouble());
    long best = monitored.summary().get("best_step").asLong();
    ObjectNode atBest =
        evals.stream().filter(e -> e.get("step").asLong() == best).findFirst().get();
    assertEquals(
        atBest.get("monitor_metric").asDouble(),
        monitored.summary().get("best_checkpoint_monitor_metric").asDouble());
  }
}
