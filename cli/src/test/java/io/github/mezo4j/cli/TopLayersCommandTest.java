package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune --train-params top:K} end to end on the tiny 2-layer model of {@link
 * FinetuneCommandsTest}: the header states the cache, {@code eval --checkpoint} (full forward
 * passes) reproduces the run's dev metric, {@code replay} rebuilds the saved weights, and bad
 * values of K are refused naming the value and the range.
 */
class TopLayersCommandTest {

  @Test
  void top1FinetuneThenEvalAndReplay(@TempDir Path tmp) throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(24, 1));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(12, 2));
    Path out = tmp.resolve("run");
    CommandRun.Run r =
        MainTest.run("", args(model, data, "top:1", "--out", out.toString(), "--save-weights"));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(
        r.err().contains("(top:1); embeddings and layers 0-0 frozen, their outputs cached"),
        r.err());
    JsonNode summary = r.jsonLines().get(0);
    assertEquals(6, summary.get("steps").asInt());
    assertTrue(summary.get("prefix_cache_bytes").asLong() > 0, summary.toString());

    Path last = Path.of(summary.get("last_checkpoint").asText());
    List<String> eval =
        new ArrayList<>(
            List.of(
                "eval",
                "--checkpoint",
                last.toString(),
                "--data",
                data.resolve("dev.tsv").toString(),
                "--text-column",
                "review",
                "--label-column",
                "stars",
                "--labels",
                "neg,pos",
                "--threads",
                "1"));
    for (boolean replay : new boolean[] {false, true}) {
      if (replay) {
        eval.add("--replay");
      }
      CommandRun.Run e = MainTest.run("", eval.toArray(String[]::new));
      assertEquals(0, e.exitCode(), e.err());
      JsonNode m = e.jsonLines().get(0);
      assertEquals(summary.get("final_dev_metric").asDouble(), m.get("accuracy").asDouble());
      assertEquals(summary.get("final_dev_loss").asDouble(), m.get("loss").asDouble());
    }
    CommandRun.Run rp =
        MainTest.run(
            "", "replay", "--checkpoint", last.toString(), "--out", tmp.resolve("w").toString());
    assertEquals(0, rp.exitCode(), rp.err());
    assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());
  }

  @Test
  void badTopValuesNameTheValueAndTheRange(@TempDir Path tmp) throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(8, 1));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(4, 2));
    CommandRun.Run over =
        MainTest.run("", args(model, data, "top:99", "--out", tmp.resolve("a").toString()));
    assertEquals(1, over.exitCode());
    assertTrue(
        over.err()
            .contains(
                "--train-params 'top:99': K of top:K must be from 1 to 2 (the encoder has 2"
                    + " layers)"),
        over.err());
    for (String bad : List.of("top:0", "top:x")) {
      CommandRun.Run r =
          MainTest.run("", args(model, data, bad, "--out", tmp.resolve(bad).toString()));
      assertEquals(1, r.exitCode());
      assertTrue(
          r.err().contains("--train-params '" + bad + "': K of top:K must be an integer from 1"),
          r.err());
    }
  }

  private static String[] args(Path model, Path data, String trainParams, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "finetune",
                "--model",
                model.toString(),
                "--task",
                "mine",
                "--data-dir",
                data.toString(),
                "--text-column",
                "review",
                "--label-column",
                "stars",
                "--labels",
                "neg,pos",
                "--steps",
                "6",
                "--eval-every",
                "3",
                "--batch",
                "8",
                "--lr",
                "1e-3",
                "--head",
                "similarity",
                "--threads",
                "2",
                "--train-params",
                trainParams));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }
}
