package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.trainer.Recipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune}, {@code eval} and {@code replay} end to end on a tiny random BERT saved as a
 * Hugging Face folder and a user's own TSV files (column mapping options).
 */
public class FinetuneCommandsTest {
  private static final String[] WORDS = {
    "good", "great", "fine", "bad", "awful", "poor", "the", "movie", "was", "it", "very"
  };

  @Test
  void withoutMethodOptionsTheRecipeDecidesAndAnyMethodOptionFallsBackToMezo(@TempDir Path tmp)
      throws Exception {
    Path model = tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), tsv(24, 1));
    Files.writeString(data.resolve("dev.tsv"), tsv(12, 2));
    List<String> base =
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
            "2",
            "--eval-every",
            "2",
            "--threads",
            "1");

    CommandRun.Run recipe = MainTest.run("", with(base, "--out", tmp.resolve("recipe").toString()));
    assertEquals(0, recipe.exitCode(), recipe.err());
    JsonNode c = JsonFiles.read(tmp.resolve("recipe").resolve("run.json")).get("config");
    Recipe r = Recipe.ENCODER_FULL_DATA; // own files have no k-shot seed
    assertEquals(r.trainParams(), c.get("params").asText());
    assertEquals(r.lr(), c.get("lr").asDouble());
    assertEquals(r.batch(), c.get("batch").asInt());
    assertEquals(2, c.get("steps").asInt(), "a budget option the user gives wins");
    assertTrue(recipe.err().contains("recipe " + r.name() + ": " + r.methodOptions()));

    CommandRun.Run own =
        MainTest.run(
            "", with(base, "--out", tmp.resolve("own").toString(), "--estimator", "one-sided"));
    assertEquals(0, own.exitCode(), own.err());
    JsonNode o = JsonFiles.read(tmp.resolve("own").resolve("run.json")).get("config");
    assertEquals(Recipe.MEZO.trainParams(), o.get("params").asText());
    assertEquals(Recipe.MEZO.lr(), o.get("lr").asDouble());
    assertEquals("one-sided", o.get("estimator").asText());
    assertEquals(r.batch(), o.get("batch").asInt(), "budget options still come from the recipe");
    assertTrue(!own.err().contains("recipe "), own.err());
  }

  private static String[] with(List<String> base, String... more) {
    List<String> args = new ArrayList<>(base);
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void finetuneEvalAndReplayOnOwnFiles(@TempDir Path tmp) throws Exception {
    Path model = tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), tsv(24, 1));
    Files.writeString(data.resolve("dev.tsv"), tsv(12, 2));
    Path out = tmp.resolve("run");
    String[] finetune = {
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
      "--seed",
      "5",
      "--head",
      "linear",
      "--threads",
      "2",
      "--out",
      out.toString(),
      "--save-weights"
    };
    CommandRun.Run r = MainTest.run("", finetune);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode summary = r.jsonLines().get(0);
    assertEquals(6, summary.get("steps").asInt());
    assertEquals("mine", summary.get("task").asText());
    assertTrue(r.err().contains("step 6/6"), r.err());
    for (String f : List.of("summary.json", "metrics.jsonl", "train_loss.png", "dev_metric.png")) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    assertEquals(800, ImageIO.read(out.resolve("dev_metric.png").toFile()).getWidth());

    // the same run folder again without --resume is refused; with it, it goes on to step 9
    CommandRun.Run again = MainTest.run("", finetune);
    assertEquals(1, again.exitCode());
    assertTrue(again.err().contains("--resume"), again.err());
    String[] more = finetune.clone();
    more[java.util.Arrays.asList(more).indexOf("--steps") + 1] = "9";
    List<String> resumed = new ArrayList<>(List.of(more));
    resumed.add("--resume");
    CommandRun.Run cont = MainTest.run("", resumed.toArray(String[]::new));
    assertEquals(0, cont.exitCode(), cont.err());
    assertEquals(9, cont.jsonLines().get(0).get("steps").asInt());

    // eval of the last checkpoint on a file: saved weights and a replay agree
    Path last = Path.of(cont.jsonLines().get(0).get("last_checkpoint").asText());
    String[] eval = {
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
      "1"
    };
    CommandRun.Run e1 = MainTest.run("", eval);
    assertEquals(0, e1.exitCode(), e1.err());
    List<String> replayEval = new ArrayList<>(List.of(eval));
    replayEval.add("--replay");
    CommandRun.Run e2 = MainTest.run("", replayEval.toArray(String[]::new));
    assertEquals(0, e2.exitCode(), e2.err());
    JsonNode m1 = e1.jsonLines().get(0);
    assertEquals(12, m1.get("examples").asInt());
    assertEquals(9, m1.get("step").asInt());
    assertEquals(m1.get("loss").asDouble(), e2.jsonLines().get(0).get("loss").asDouble());
    assertEquals(m1.get("accuracy"), e2.jsonLines().get(0).get("accuracy"));

    // replay writes a Hugging Face folder bit-identical to the saved weights
    Path replayed = tmp.resolve("replayed");
    CommandRun.Run rp =
        MainTest.run("", "replay", "--checkpoint", last.toString(), "--out", replayed.toString());
    assertEquals(0, rp.exitCode(), rp.err());
    assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());
    ParameterSet a = HuggingFaceFolder.load(replayed, DType.F32).parameters();
    ParameterSet b = HuggingFaceFolder.load(last.resolve("model"), DType.F32).parameters();
    assertTrue(a.contentEquals(b));
    ParameterSet base = HuggingFaceFolder.load(model, DType.F32).parameters();
    assertTrue(!a.contentEquals(base), "training moved the weights");
  }

  @Test
  void evalOfAnUntrainedModelWithEitherHead(@TempDir Path tmp) throws Exception {
    Path model = tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), tsv(40, 3));
    Files.writeString(data.resolve("dev.tsv"), tsv(10, 4));
    for (String head : List.of("prompt", "linear", "similarity", "zero")) {
      CommandRun.Run r =
          MainTest.run(
              "",
              "eval",
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
              "--header",
              "--head",
              head);
      assertEquals(0, r.exitCode(), r.err());
      JsonNode m = r.jsonLines().get(0);
      assertEquals(10, m.get("examples").asInt());
      assertEquals(head, m.get("head").asText());
      double acc = m.get("accuracy").asDouble();
      assertTrue(acc >= 0 && acc <= 1 && acc * 10 == Math.rint(acc * 10), "accuracy " + acc);
      assertEquals(acc, m.get("metric").asDouble());
    }
  }

  @Test
  void badOptionsAreReportedByName(@TempDir Path tmp) {
    CommandRun.Run r =
        MainTest.run(
            "",
            "finetune",
            "--task",
            "sst2",
            "--head",
            "mlp",
            "--out",
            tmp.toString(),
            "--steps",
            "1");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("--head 'mlp'"), r.err());
    CommandRun.Run o =
        MainTest.run("", "finetune", "--task", "sst2", "--objective", "bleu", "--out", "x");
    assertEquals(1, o.exitCode());
    assertTrue(o.err().contains("bleu"), o.err());
    CommandRun.Run e = MainTest.run("", "eval", "--task", "sst2");
    assertEquals(1, e.exitCode());
    assertTrue(e.err().contains("--checkpoint"), e.err());
    // an option another kind of run reads is an error, not ignored
    CommandRun.Run s =
        MainTest.run("", "finetune", "--task", "sst2", "--score", "sum", "--out", "x");
    assertEquals(1, s.exitCode());
    assertTrue(
        s.err().contains("--score does not apply to an encoder on a classification task"), s.err());
    CommandRun.Run p =
        MainTest.run("", "finetune", "--task", "stsb", "--head", "linear", "--out", "x");
    assertEquals(1, p.exitCode());
    assertTrue(
        p.err().contains("--head does not apply to an encoder on a sentence-pair task"), p.err());
  }

  @Test
  void otherOptimizersAreRecordedReplayedAndCheckedOnResume(@TempDir Path tmp) throws Exception {
    Path model = tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), tsv(24, 1));
    Files.writeString(data.resolve("dev.tsv"), tsv(12, 2));
    Path out = tmp.resolve("run");
    List<String> common =
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
            "--eval-every",
            "3",
            "--batch",
            "8",
            "--lr",
            "1e-3",
            "--threads",
            "2",
            "--out",
            out.toString());
    List<String> adam = new ArrayList<>(common);
    adam.addAll(
        List.of(
            "--steps",
            "6",
            "--optimizer",
            "adam",
            "--schedule",
            "cosine",
            "--warmup",
            "2",
            "--weight-decay",
            "0.01",
            "--estimator",
            "one-sided",
            "--samples",
            "2",
            "--save-weights"));
    CommandRun.Run r = MainTest.run("", adam.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(
        r.err()
            .contains(
                "optimizer: adam, cosine schedule after 2 warm-up steps, weight decay 0.01,"
                    + " one-sided estimator with 2 samples"),
        r.err());
    JsonNode summary = r.jsonLines().get(0);
    assertEquals("adam", summary.get("optimizer").asText());
    assertEquals("cosine", summary.get("schedule").asText());
    assertEquals("one-sided", summary.get("estimator").asText());
    assertEquals(2, summary.get("samples").asInt());
    assertEquals(
        "chain(scaleByAdam(0.9,0.999,1.0E-8),weightDecay(0.01),"
            + "scaleByLearningRate(warmup(2,cosineDecay(0.001,4,0.0))))",
        summary.get("optimizer_spec").asText());
    JsonNode config = JsonFiles.read(out.resolve("run.json")).get("config");
    assertEquals("adam", config.get("optimizer").asText());
    assertEquals(0.01, config.get("weight_decay").asDouble());

    // the summary names absolute checkpoints, the version and the finish time; stderr says where
    Path last = Path.of(summary.get("last_checkpoint").asText());
    assertTrue(last.isAbsolute() && Files.isDirectory(last), last.toString());
    assertTrue(summary.get("mezo4j_version").asText().length() > 0);
    assertTrue(summary.get("finished_utc").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));
    assertTrue(
        r.err().contains("outputs in " + out.toAbsolutePath().normalize() + ": summary.json"),
        r.err());
    assertTrue(r.err().contains("last checkpoint " + last), r.err());

    // replay rebuilds the optimizer from the step log: bit-identical to the saved weights
    CommandRun.Run rp =
        MainTest.run(
            "", "replay", "--checkpoint", last.toString(), "--out", tmp.resolve("w").toString());
    assertEquals(0, rp.exitCode(), rp.err());
    assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());

    // resuming with other settings is refused by name; a decaying run keeps its --steps
    List<String> sgd = new ArrayList<>(common);
    sgd.addAll(List.of("--steps", "9", "--resume"));
    CommandRun.Run other = MainTest.run("", sgd.toArray(String[]::new));
    assertEquals(1, other.exitCode());
    assertTrue(
        other.err().contains("optimizer=\"adam\", but this run has optimizer=\"sgd\""),
        other.err());
    List<String> longer = new ArrayList<>(adam);
    longer.set(longer.indexOf("--steps") + 1, "9");
    longer.add("--resume");
    CommandRun.Run extended = MainTest.run("", longer.toArray(String[]::new));
    assertEquals(1, extended.exitCode());
    assertTrue(extended.err().contains("resume it with --steps 6"), extended.err());
  }

  @Test
  void badOptimizerOptionsAreReportedByNameBeforeAnythingIsRead(@TempDir Path tmp) {
    String[][] cases = {
      {"--optimizer", "rmsprop"},
      {"--schedule", "step"},
      {"--estimator", "three-sided"},
      {"--samples", "0"},
      {"--warmup", "-1"},
      {"--weight-decay", "-0.1"},
      {"--momentum", "0.5"},
      {"--optimizer", "momentum", "--momentum", "1"},
      {"--warmup", "50", "--steps", "20"},
      {"--optimizer", "adam", "--conservative"},
      {"--weight-decay", "0.1", "--conservative"},
      {"--directions", "uniform"},
    };
    String[] expected = {
      "mezo4j finetune: --optimizer 'rmsprop': expected sgd, momentum, adam or sign",
      "mezo4j finetune: --schedule 'step': expected constant, linear or cosine",
      "mezo4j finetune: --estimator 'three-sided': expected two-sided, one-sided or fzoo",
      "mezo4j finetune: --samples must be >= 1, got 0",
      "mezo4j finetune: --warmup must be >= 0 steps, got -1",
      "mezo4j finetune: --weight-decay must be a finite number >= 0, got -0.1",
      "mezo4j finetune: --momentum is read only by --optimizer momentum (this run has --optimizer sgd)",
      "mezo4j finetune: --momentum must be in [0, 1), got 1.0",
      "mezo4j finetune: --warmup 50 is longer than the run (--steps 20)",
      "mezo4j finetune: --conservative does not work with --optimizer adam: the conservative rule needs"
          + " an optimizer without state",
      "mezo4j finetune: --conservative does not work with --optimizer sgd --weight-decay 0.1: the"
          + " conservative rule needs an optimizer without state",
      "mezo4j finetune: --directions 'uniform': expected gaussian or rademacher",
    };
    for (int i = 0; i < cases.length; i++) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "finetune",
                  "--task",
                  "no-such-task",
                  "--model",
                  tmp.resolve("no-such-model").toString(),
                  "--out",
                  tmp.resolve("run").toString()));
      args.addAll(List.of(cases[i]));
      CommandRun.Run r = MainTest.run("", args.toArray(String[]::new));
      assertEquals(1, r.exitCode(), r.err());
      assertTrue(r.err().startsWith(expected[i]), r.err());
    }
    assertTrue(Files.notExists(tmp.resolve("run")));
  }

  @Test
  void helpListsTheOptimizerOptionsAndTheirValues() {
    CommandRun.Run r = MainTest.run("", "finetune", "--help");
    assertEquals(0, r.exitCode(), r.err());
    String help = r.out().replaceAll("\\s+", " ");
    for (String s :
        List.of(
            "--optimizer=<optimizer> How each step's gradient estimate becomes an update: sgd",
            "--schedule=<schedule> The learning rate over the run: constant",
            "--warmup=N",
            "--weight-decay=W",
            "--momentum=BETA",
            "one of: two-sided, one-sided, fzoo.",
            "--samples=N",
            "--conservative")) {
      assertTrue(help.contains(s), s + " in " + help);
    }
  }

  /** A header TSV of sentences with "stars" 0/1; one sentiment word each. */
  public static String tsv(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder("review\tstars\n");
    for (int i = 0; i < n; i++) {
      int label = i % 2;
      String sentiment = WORDS[label == 1 ? r.nextInt(3) : 3 + r.nextInt(3)];
      sb.append("the movie was ")
          .append(WORDS[6 + r.nextInt(5)])
          .append(' ')
          .append(sentiment)
          .append('\t')
          .append(label)
          .append('\n');
    }
    return sb.toString();
  }

  /** A random 2-layer BERT (hidden 16) with a tokenizer.json, saved as a Hugging Face folder. */
  public static Path tinyModel(Path dir) throws Exception {
    StringBuilder vocab =
        new StringBuilder("\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2, \"[SEP]\": 3");
    for (int i = 0; i < WORDS.length; i++) {
      vocab.append(", \"").append(WORDS[i]).append("\": ").append(4 + i);
    }
    String tokenizer =
        """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [
           {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false,
            "normalized": false, "special": true}],
         "normalizer": {"type": "BertNormalizer", "clean_text": true,
           "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
           "max_input_chars_per_word": 100, "vocab": {%s}}}
        """
            .formatted(vocab);
    BertConfig c =
        new BertConfig("bert", List.of(), 16, 16, 2, 2, 32, "gelu", 32, 2, 1e-12, 0, Map.of());
    SplittableRandom r = new SplittableRandom(11);
    List<Parameter> ps = new ArrayList<>();
    ps.add(random(r, "embeddings.word_embeddings.weight", 0.5, 16, 16));
    ps.add(random(r, "embeddings.position_embeddings.weight", 0.5, 32, 16));
    ps.add(random(r, "embeddings.token_type_embeddings.weight", 0.5, 2, 16));
    norm(r, ps, "embeddings.LayerNorm.");
    for (int l = 0; l < 2; l++) {
      String p = "encoder.layer." + l + ".";
      for (String lin :
          List.of(
              "attention.self.query.",
              "attention.self.key.",
              "attention.self.value.",
              "attention.output.dense.")) {
        ps.add(random(r, p + lin + "weight", 0.4, 16, 16));
        ps.add(random(r, p + lin + "bias", 0.1, 16));
      }
      norm(r, ps, p + "attention.output.LayerNorm.");
      ps.add(random(r, p + "intermediate.dense.weight", 0.4, 32, 16));
      ps.add(random(r, p + "intermediate.dense.bias", 0.1, 32));
      ps.add(random(r, p + "output.dense.weight", 0.3, 16, 32));
      ps.add(random(r, p + "output.dense.bias", 0.1, 16));
      norm(r, ps, p + "output.LayerNorm.");
    }
    HuggingFaceFolder.save(
        dir,
        c,
        ParameterSet.of(ps),
        new TokenizerJson("tiny tokenizer.json", tokenizer.getBytes(StandardCharsets.UTF_8)),
        HuggingFaceFolder.DEFAULT_MAX_SHARD_BYTES);
    return dir;
  }

  private static void norm(SplittableRandom r, List<Parameter> ps, String name) {
    Parameter g = random(r, name + "weight", 0.1, 16);
    for (int i = 0; i < 16; i++) {
      g.set(i, g.get(i) + 1);
    }
    ps.add(g);
    ps.add(random(r, name + "bias", 0.1, 16));
  }

  private static Parameter random(SplittableRandom r, String name, double scale, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return Parameter.f32(name, shape, v);
  }
}
