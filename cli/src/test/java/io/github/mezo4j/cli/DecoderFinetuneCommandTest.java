package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.io.Llama2cCheckpoint;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune}, {@code eval} and {@code replay} with a decoder: the real stories260K (llama2.c
 * checkpoint and tok512.bin) on a few SST-2-format sentences written for this test.
 */
class DecoderFinetuneCommandTest {
  private static final String[] REVIEWS = {
    "a warm and funny story about a little dog\t1",
    "the film is dull and far too long\t0",
    "she smiled all the way through this happy movie\t1",
    "a sad mess with nothing to say\t0",
    "the best picture of the year\t1",
    "boring , slow and ugly\t0",
    "a lovely , kind and gentle tale\t1",
    "i wanted to leave after ten minutes\t0",
    "the children will love the bright colors\t1",
    "it is a bad movie with bad jokes\t0"
  };

  private static Path stories() {
    try {
      return SharedData.root("stories260k").resolve("stories260k").resolve("stories260K.bin");
    } catch (NoSuchFileException e) {
      assumeTrue(
          false,
          "SKIPPED: stories260k data missing: " + e.getReason() + "; looked at " + e.getFile());
      throw new AssertionError("unreachable");
    }
  }

  private static Path data(Path tmp) throws Exception {
    Path dir = tmp.resolve("sst2");
    Files.createDirectories(dir);
    StringBuilder train = new StringBuilder("sentence\tlabel\n");
    StringBuilder dev = new StringBuilder("sentence\tlabel\n");
    for (int i = 0; i < REVIEWS.length; i++) {
      (i < 6 ? train : dev).append(REVIEWS[i]).append('\n');
    }
    Files.writeString(dir.resolve("train.tsv"), train);
    Files.writeString(dir.resolve("dev.tsv"), dev);
    return dir;
  }

  private static String[] finetune(Path model, Path data, Path out, String objective) {
    return new String[] {
      "finetune",
      "--model",
      model.toString(),
      "--task",
      "sst2",
      "--data-dir",
      data.toString(),
      "--objective",
      objective,
      "--steps",
      "4",
      "--eval-every",
      "2",
      "--batch",
      "4",
      "--lr",
      "1e-4",
      "--eps",
      "1e-3",
      "--seed",
      "3",
      "--threads",
      "2",
      "--out",
      out.toString(),
      "--save-weights"
    };
  }

  @Test
  void classificationRunEvaluatesAndReplaysToTheSavedWeights(@TempDir Path tmp) throws Exception {
    Path model = stories();
    Path data = data(tmp);
    Path out = tmp.resolve("run");
    CommandRun.Run r = MainTest.run("", finetune(model, data, out, "ce"));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode summary = r.jsonLines().get(0);
    assertEquals("decoder", summary.get("kind").asText());
    assertEquals("accuracy", summary.get("metric_name").asText());
    assertEquals(4, summary.get("steps").asInt());
    assertEquals(260_032, summary.get("trainable_parameters").asLong());
    assertTrue(r.err().contains("step 4/4"), r.err());

    // eval of the last checkpoint: saved weights and a replay give the same numbers, and the
    // accuracy is the one the run measured on the same dev file
    Path last = Path.of(summary.get("last_checkpoint").asText());
    List<String> eval =
        new ArrayList<>(
            List.of(
                "eval",
                "--checkpoint",
                last.toString(),
                "--data",
                data.resolve("dev.tsv").toString(),
                "--threads",
                "1"));
    CommandRun.Run e1 = MainTest.run("", eval.toArray(String[]::new));
    assertEquals(0, e1.exitCode(), e1.err());
    eval.add("--replay");
    CommandRun.Run e2 = MainTest.run("", eval.toArray(String[]::new));
    assertEquals(0, e2.exitCode(), e2.err());
    JsonNode m1 = e1.jsonLines().get(0);
    JsonNode m2 = e2.jsonLines().get(0);
    assertEquals(4, m1.get("examples").asInt());
    for (String k : List.of("accuracy", "loss", "perplexity")) {
      assertEquals(m1.get(k).asDouble(), m2.get(k).asDouble(), k);
    }
    assertEquals(summary.get("final_dev_metric").asDouble(), m1.get("accuracy").asDouble());
    assertEquals(summary.get("final_dev_loss").asDouble(), m1.get("loss").asDouble());

    // replay writes a Hugging Face folder identical to the saved weights; it loads as a model
    Path replayed = tmp.resolve("replayed");
    CommandRun.Run rp =
        MainTest.run("", "replay", "--checkpoint", last.toString(), "--out", replayed.toString());
    assertEquals(0, rp.exitCode(), rp.err());
    assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());
    CommandRun.Run e3 =
        MainTest.run(
            "",
            "eval",
            "--model",
            replayed.toString(),
            "--task",
            "sst2",
            "--data",
            data.resolve("dev.tsv").toString(),
            "--threads",
            "1");
    assertEquals(0, e3.exitCode(), e3.err());
    assertEquals(m1.get("loss").asDouble(), e3.jsonLines().get(0).get("loss").asDouble(), 1e-6);
  }

  @Test
  void bf16WeightsTrainAndReplayBitForBit(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    List<String> args = new ArrayList<>(List.of(finetune(stories(), data(tmp), out, "ce")));
    args.addAll(List.of("--dtype", "bf16"));
    CommandRun.Run r = MainTest.run("", args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode summary = r.jsonLines().get(0);
    assertEquals(
        "bf16",
        JsonFiles.MAPPER.readTree(out.resolve("run.json").toFile()).at("/config/dtype").asText());
    // the saved weights are bf16, and a replay from the base model rounded to bf16 gives their bits
    Path last = Path.of(summary.get("last_checkpoint").asText());
    DecoderCheckpoint saved =
        DecoderFolder.load(Checkpoint.open(last).weights().orElseThrow(), null);
    assertEquals(DType.BF16, saved.parameters().list().get(0).dtype());
    CommandRun.Run rp =
        MainTest.run(
            "", "replay", "--checkpoint", last.toString(), "--out", tmp.resolve("r").toString());
    assertEquals(0, rp.exitCode(), rp.err());
    assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());
    // one changed bit in the saved weights is found
    Path savedFile = Checkpoint.open(last).weights().orElseThrow().resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(savedFile);
    bytes[bytes.length - 1] ^= 1;
    Files.write(savedFile, bytes);
    CommandRun.Run bad =
        MainTest.run(
            "", "replay", "--checkpoint", last.toString(), "--out", tmp.resolve("r2").toString());
    assertEquals(1, bad.exitCode());
    assertTrue(bad.err().contains("differ from the weights saved in"), bad.err());
    // the f32 run of the same command takes other steps (its weights, its rounding)
    Path f32 = tmp.resolve("f32");
    CommandRun.Run w = MainTest.run("", finetune(stories(), data(tmp), f32, "ce"));
    assertEquals(0, w.exitCode(), w.err());
    assertFalse(
        Arrays.equals(
            Files.readAllBytes(out.resolve("steps.mezolog")),
            Files.readAllBytes(f32.resolve("steps.mezolog"))));
  }

  @Test
  void aFolderWithoutTokenizerTrainsWithTokenizerAndItsRunRemembersIt(@TempDir Path tmp)
      throws Exception {
    // stories260K as a Hugging Face folder without tokenizer files
    Path folder = tmp.resolve("bare");
    DecoderCheckpoint c = Llama2cCheckpoint.read(stories());
    DecoderFolder.save(folder, c.config(), c.parameters());
    Path tokenizer = stories().resolveSibling("tok512.bin");
    Path out = tmp.resolve("run");
    List<String> args = new ArrayList<>(List.of(finetune(folder, data(tmp), out, "lm")));
    args.addAll(List.of("--tokenizer", tokenizer.toString()));
    CommandRun.Run r = MainTest.run("", args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    Path last = Path.of(r.jsonLines().get(0).get("last_checkpoint").asText());
    // replay and eval find the run's tokenizer without being told
    CommandRun.Run rp =
        MainTest.run(
            "", "replay", "--checkpoint", last.toString(), "--out", tmp.resolve("r").toString());
    assertEquals(0, rp.exitCode(), rp.err());
    assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());
    assertTrue(
        Files.isRegularFile(tmp.resolve("r/tokenizer.bin")), "under the name the loaders find");
    CommandRun.Run ev = MainTest.run("", "eval", "--checkpoint", last.toString(), "--threads", "1");
    assertEquals(0, ev.exitCode(), ev.err());
  }

  @Test
  void languageModelRunReportsPerplexity(@TempDir Path tmp) throws Exception {
    Path model = stories();
    Path data = data(tmp);
    Path out = tmp.resolve("lm");
    CommandRun.Run r = MainTest.run("", finetune(model, data, out, "lm"));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode summary = r.jsonLines().get(0);
    assertEquals("perplexity", summary.get("metric_name").asText());
    assertEquals("lm", summary.get("objective").asText());
    // the best perplexity is the lowest one seen, the untrained model's included
    assertTrue(
        summary.get("best_dev_metric").asDouble() <= summary.get("initial_dev_metric").asDouble());
    CommandRun.Run e =
        MainTest.run(
            "",
            "eval",
            "--checkpoint",
            summary.get("last_checkpoint").asText(),
            "--data",
            data.resolve("dev.tsv").toString());
    assertEquals(0, e.exitCode(), e.err());
    JsonNode m = e.jsonLines().get(0);
    assertEquals("perplexity", m.get("metric_name").asText());
    assertEquals(summary.get("final_dev_metric").asDouble(), m.get("perplexity").asDouble(), 1e-9);
    assertEquals(m.get("perplexity").asDouble(), m.get("metric").asDouble());
  }

  @Test
  void momentumWithALinearScheduleAndTwoSamplesReplaysToTheSavedWeights(@TempDir Path tmp)
      throws Exception {
    Path out = tmp.resolve("momentum");
    List<String> args = new ArrayList<>(List.of(finetune(stories(), data(tmp), out, "ce")));
    args.addAll(
        List.of(
            "--optimizer",
            "momentum",
            "--momentum",
            "0.8",
            "--schedule",
            "linear",
            "--samples",
            "2"));
    CommandRun.Run r = MainTest.run("", args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode summary = r.jsonLines().get(0);
    assertEquals("momentum", summary.get("optimizer").asText());
    assertEquals(0.8, summary.get("momentum").asDouble());
    assertEquals("linear", summary.get("schedule").asText());
    assertEquals("two-sided", summary.get("estimator").asText());
    assertEquals(2, summary.get("samples").asInt());
    assertEquals(4L * 260_032, summary.get("optimizer_state_bytes").asLong());
    CommandRun.Run rp =
        MainTest.run(
            "",
            "replay",
            "--checkpoint",
            summary.get("last_checkpoint").asText(),
            "--out",
            tmp.resolve("replayed").toString());
    assertEquals(0, rp.exitCode(), rp.err());
    assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());
  }

  @Test
  void anUnknownObjectiveIsRefused(@TempDir Path tmp) throws Exception {
    CommandRun.Run r =
        MainTest.run("", finetune(stories(), data(tmp), tmp.resolve("x"), "perplexity"));
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("expected ce, accuracy, f1 or lm"), r.err());
  }

  @Test
  void anEncoderOptionIsRefusedNamingIt(@TempDir Path tmp) throws Exception {
    List<String> args =
        new ArrayList<>(List.of(finetune(stories(), data(tmp), tmp.resolve("x"), "ce")));
    args.addAll(List.of("--head", "linear"));
    CommandRun.Run r = MainTest.run("", args.toArray(String[]::new));
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("--head does not apply to a decoder model"), r.err());
    assertFalse(Files.exists(tmp.resolve("x")), "refused before anything was written");
  }
}
