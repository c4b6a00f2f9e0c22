package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.trainer.Recipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune}, {@code eval} and {@code replay} on sentence pairs, end to end on a tiny random
 * BERT: own scored pairs with the default recipe and objective, own positive pairs with retrieval
 * metrics, and bad pair files.
 */
class PairCommandsTest {
  private static final String[] WORDS = {
    "good", "great", "fine", "bad", "awful", "poor", "the", "movie", "was", "it", "very"
  };

  private static String sentence(SplittableRandom r, int i) {
    StringBuilder sb = new StringBuilder(WORDS[i % WORDS.length]);
    for (int w = 0; w < 2 + r.nextInt(4); w++) {
      sb.append(' ').append(WORDS[r.nextInt(WORDS.length)]);
    }
    return sb.toString();
  }

  private static String scoredTsv(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder("a\tb\tscore\n");
    for (int i = 0; i < n; i++) {
      sb.append(sentence(r, i)).append('\t').append(sentence(r, i + 1)).append('\t');
      sb.append(r.nextInt(6)).append('\n');
    }
    return sb.toString();
  }

  private static String positiveJsonl(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append("{\"q\":\"q").append(i).append(' ').append(sentence(r, i));
      sb.append("\",\"p\":\"").append(sentence(r, i + 3)).append("\"}\n");
    }
    return sb.toString();
  }

  @Test
  void scoredPairsUseTheScoredRecipeAndItsObjective(@TempDir Path tmp) throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), scoredTsv(20, 1));
    Files.writeString(data.resolve("dev.tsv"), scoredTsv(12, 2));
    Path out = tmp.resolve("run");
    String[] args =
        concat(
            new String[] {"finetune", "--model", model.toString(), "--task", "mine"},
            concat(
                scoredPairs(data, "0,5"),
                new String[] {
                  "--steps", "2", "--eval-every", "1", "--threads", "1", "--out", out.toString()
                }));
    CommandRun.Run run = MainTest.run("", args);
    assertEquals(0, run.exitCode(), run.err());
    JsonNode c = JsonFiles.read(out.resolve("run.json")).get("config");
    assertEquals("cosine", c.get("objective").asText());
    assertEquals("spearman", c.get("metric").asText());
    assertEquals(Recipe.EMBEDDING_SCORED.trainParams(), c.get("params").asText());
    assertEquals(Recipe.EMBEDDING_SCORED.lr(), c.get("lr").asDouble());
    assertTrue(
        run.err().contains("recipe embedding-scored: --objective cosine --train-params all"),
        run.err());
    JsonNode summary = JsonFiles.read(out.resolve("summary.json"));
    assertTrue(summary.has("final_dev_spearman") && summary.has("final_dev_pearson"));

    CommandRun.Run eval =
        MainTest.run(
            "",
            concat(
                new String[] {"eval", "--checkpoint", out.toString()},
                concat(scoredPairs(data, "0,5"), new String[] {"--threads", "1"})));
    assertEquals(0, eval.exitCode(), eval.err());
    JsonNode e = JsonFiles.MAPPER.readTree(eval.out());
    assertEquals(summary.get("best_dev_metric").asDouble(), e.get("spearman").asDouble(), 0);

    // another objective is another method: MeZO's defaults, not a rate tuned for cosine
    String[] cosent = args.clone();
    cosent[cosent.length - 1] = tmp.resolve("cosent").toString();
    List<String> withCosent = new ArrayList<>(List.of(cosent));
    withCosent.addAll(List.of("--objective", "cosent"));
    CommandRun.Run other = MainTest.run("", withCosent.toArray(String[]::new));
    assertEquals(0, other.exitCode(), other.err());
    JsonNode oc = JsonFiles.read(tmp.resolve("cosent/run.json")).get("config");
    assertEquals("cosent", oc.get("objective").asText());
    assertEquals(Recipe.MEZO.lr(), oc.get("lr").asDouble());
    assertFalse(other.err().contains("recipe "), other.err());

    CommandRun.Run bad =
        MainTest.run(
            "",
            concat(
                new String[] {"finetune", "--model", model.toString(), "--task", "mine"},
                concat(
                    scoredPairs(data, "0,4"),
                    new String[] {"--steps", "2", "--out", tmp.resolve("bad").toString()})));
    assertNotEquals(0, bad.exitCode());
    assertTrue(
        bad.err().contains("train.tsv line") && bad.err().contains("from 0.0 to 4.0"), bad.err());
  }

  @Test
  void positivePairsReportRetrievalAndReplayExactly(@TempDir Path tmp) throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.jsonl"), positiveJsonl(20, 3));
    Files.writeString(data.resolve("dev.jsonl"), positiveJsonl(14, 4));
    Path out = tmp.resolve("run");
    String[] pairs = {
      "--task",
      "qa",
      "--pairs",
      "positive",
      "--data-dir",
      data.toString(),
      "--text-column",
      "q",
      "--text-pair-column",
      "p",
      "--threads",
      "1"
    };
    CommandRun.Run run =
        MainTest.run(
            "",
            concat(
                new String[] {
                  "finetune",
                  "--model",
                  model.toString(),
                  "--steps",
                  "2",
                  "--eval-every",
                  "2",
                  "--temperature",
                  "0.1",
                  "--save-weights",
                  "--out",
                  out.toString()
                },
                pairs));
    assertEquals(0, run.exitCode(), run.err());
    JsonNode c = JsonFiles.read(out.resolve("run.json")).get("config");
    assertEquals("mnr", c.get("objective").asText());
    assertEquals(10, c.get("scale").asDouble(), 1e-12);
    assertEquals("mrr@10", c.get("metric").asText());

    CommandRun.Run eval =
        MainTest.run("", concat(new String[] {"eval", "--model", model.toString()}, pairs));
    assertEquals(0, eval.exitCode(), eval.err());
    JsonNode e = JsonFiles.MAPPER.readTree(eval.out());
    assertEquals(14, e.get("examples").asInt());
    double mrr = e.get("mrr@10").asDouble();
    assertTrue(mrr > 0 && mrr <= 1 && e.has("recall@1") && e.has("recall@10"), eval.out());

    CommandRun.Run replay =
        MainTest.run(
            "",
            "replay",
            "--checkpoint",
            out.toString(),
            "--out",
            tmp.resolve("w").toString(),
            "--threads",
            "1");
    assertEquals(0, replay.exitCode(), replay.err());
    assertTrue(replay.out().contains("\"identical_to_saved_weights\":true"), replay.out());

    Files.writeString(
        data.resolve("dev.jsonl"), "{\"q\":\"same\",\"p\":\"a\"}\n{\"q\":\"same\",\"p\":\"b\"}\n");
    CommandRun.Run dup =
        MainTest.run("", concat(new String[] {"eval", "--model", model.toString()}, pairs));
    assertNotEquals(0, dup.exitCode());
    assertTrue(dup.err().contains("dev.jsonl line 2") && dup.err().contains("line 1"), dup.err());
  }

  /** The options that describe own scored pairs in {@code data}: columns a, b and score. */
  static String[] scoredPairs(Path data, String scoreRange) {
    return new String[] {
      "--pairs",
      "scored",
      "--score-range",
      scoreRange,
      "--data-dir",
      data.toString(),
      "--text-column",
      "a",
      "--text-pair-column",
      "b",
      "--label-column",
      "score"
    };
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
