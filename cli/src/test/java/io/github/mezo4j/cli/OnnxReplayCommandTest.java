package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.onnx.OnnxBertImporter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay --format onnx} end to end: a short run on the built-in MiniLM replayed into its own
 * ONNX graph, and one on a tiny Hugging Face folder model replayed as a new graph, each read back
 * by mezo4j's importer with exactly the replayed weights; and the requests it refuses.
 */
class OnnxReplayCommandTest {
  private static final String SCORED =
      """
      a\tb\tscore
      a gripping film\ta film that grips\t4.5
      the plot falls apart\ta great plot\t1
      the cat sat on the mat\ta cat on a mat\t4
      it rained all day\tthe sun shone\t0.5
      a slow, dull movie\ta boring film\t3.5
      he cooked dinner\tshe read a book\t1
      """;

  private static String[] finetune(String model, Path data, Path out) {
    return PairCommandsTest.concat(
        new String[] {"finetune", "--model", model, "--task", "mine"},
        PairCommandsTest.concat(
            PairCommandsTest.scoredPairs(data, "0,5"),
            new String[] {
              "--steps",
              "2",
              "--batch",
              "2",
              "--eval-every",
              "2",
              "--threads",
              "2",
              "--out",
              out.toString()
            }));
  }

  private static Path pairs(Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), SCORED);
    Files.writeString(data.resolve("dev.tsv"), SCORED);
    return data;
  }

  @Test
  void embeddingRunOnMiniLmReplaysIntoItsOwnGraph(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    CommandRun.Run ft = MainTest.run("", finetune("minilm", pairs(tmp), run));
    assertEquals(0, ft.exitCode(), ft.err());
    Path last = lastCheckpoint(ft);

    Path onnx = tmp.resolve("onnx");
    CommandRun.Run r =
        MainTest.run(
            "",
            "replay",
            "--checkpoint",
            last.toString(),
            "--format",
            "onnx",
            "--out",
            onnx.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (var files = Files.list(onnx)) {
      assertEquals(2, files.count(), "model.onnx and tokenizer.json only");
    }
    assertArrayEquals(
        MiniLm.load().tokenizer().orElseThrow().bytes(),
        Files.readAllBytes(onnx.resolve("tokenizer.json")));

    Path hf = tmp.resolve("hf");
    CommandRun.Run h =
        MainTest.run("", "replay", "--checkpoint", last.toString(), "--out", hf.toString());
    assertEquals(0, h.exitCode(), h.err());
    ParameterSet replayed = HuggingFaceFolder.load(hf, DType.F32).parameters();

    BertCheckpoint exported = OnnxBertImporter.importBert(onnx.resolve("model.onnx"), 0);
    ParameterSet base = MiniLm.load().parameters();
    int changed = 0;
    for (Parameter p : exported.parameters()) {
      Parameter want = replayed.get(p.name());
      assertArrayEquals(want.toFloatArray(), p.toFloatArray(), p.name());
      changed += p.contentEquals(base.get(p.name())) ? 0 : 1;
    }
    assertEquals(replayed.count(), exported.parameters().count());
    assertTrue(changed > 0, "the run changed some weights, and the export carries them");
  }

  @Test
  void classifierOnAFolderModelGetsANewGraphAndItsHead(@TempDir Path tmp) throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(12, 1));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(6, 2));
    Path run = tmp.resolve("run");
    CommandRun.Run ft =
        MainTest.run(
            "",
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
            "bad,good", // words of the tiny vocabulary: the prompt head scores them
            "--steps",
            "2",
            "--threads",
            "1",
            "--out",
            run.toString());
    assertEquals(0, ft.exitCode(), ft.err());
    Path last = lastCheckpoint(ft);

    Path onnx = tmp.resolve("onnx");
    CommandRun.Run r =
        MainTest.run(
            "",
            "replay",
            "--checkpoint",
            last.toString(),
            "--format",
            "onnx",
            "--out",
            onnx.toString(),
            "--threads",
            "1");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.isRegularFile(onnx.resolve("tokenizer.json")));
    assertTrue(Files.isDirectory(onnx.resolve("head")), "the classifier's head beside the model");

    Path hf = tmp.resolve("hf");
    CommandRun.Run h =
        MainTest.run("", "replay", "--checkpoint", last.toString(), "--out", hf.toString());
    assertEquals(0, h.exitCode(), h.err());
    BertCheckpoint replayed = HuggingFaceFolder.load(hf, DType.F32);
    BertCheckpoint exported = OnnxBertImporter.importBert(onnx.resolve("model.onnx"), 0);
    assertEquals(replayed.config().numAttentionHeads(), exported.config().numAttentionHeads());
    assertEquals(replayed.config().layerNormEps(), exported.config().layerNormEps());
    ParameterSet base = HuggingFaceFolder.load(model, DType.F32).parameters();
    int changed = 0;
    for (Parameter p : replayed.parameters()) {
      if (p.name().startsWith("pooler.")) {
        continue; // last_hidden_state does not use it
      }
      assertArrayEquals(
          p.toFloatArray(), exported.parameters().get(p.name()).toFloatArray(), p.name());
      changed += p.contentEquals(base.get(p.name())) ? 0 : 1;
    }
    assertTrue(changed > 0, "the run changed some weights, and the export carries them");

    Path out = tmp.resolve("out");
    CommandRun.Run unknown =
        MainTest.run(
            "",
            "replay",
            "--checkpoint",
            last.toString(),
            "--format",
            "torchscript",
            "--out",
            out.toString());
    assertNotEquals(0, unknown.exitCode());
    assertTrue(
        unknown.err().contains("--format 'torchscript'")
            && unknown.err().contains("expected hf or onnx"),
        unknown.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void refusesDecoders(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    CommandRun.Run decoder =
        MainTest.run(
            "",
            "replay",
            "--checkpoint",
            decoderRun(tmp).toString(),
            "--format",
            "onnx",
            "--out",
            out.toString());
    assertNotEquals(0, decoder.exitCode());
    assertTrue(
        decoder.err().contains("--format onnx exports encoders")
            && decoder.err().contains("decoder"),
        decoder.err());
    assertFalse(Files.exists(out));
  }

  /** The last checkpoint of a run (its best may be the untrained step 0). */
  private static Path lastCheckpoint(CommandRun.Run finetune) throws Exception {
    return Path.of(finetune.jsonLines().get(0).get("last_checkpoint").asText());
  }

  /** A one-step run of the llama2.c stories260K decoder (skipped when the shared data lacks it). */
  private static Path decoderRun(Path tmp) throws Exception {
    Path model;
    try {
      model = SharedData.root("stories260k").resolve("stories260k").resolve("stories260K.bin");
    } catch (NoSuchFileException e) {
      assumeTrue(false, "SKIPPED: stories260k data missing: " + e.getReason());
      throw new AssertionError("unreachable");
    }
    Path data = tmp.resolve("sst2");
    Files.createDirectories(data);
    String rows = "sentence\tlabel\na happy film\t1\na sad film\t0\n";
    Files.writeString(data.resolve("train.tsv"), rows);
    Files.writeString(data.resolve("dev.tsv"), rows);
    Path out = tmp.resolve("decoder-run");
    CommandRun.Run r =
        MainTest.run(
            "",
            "finetune",
            "--model",
            model.toString(),
            "--task",
            "sst2",
            "--data-dir",
            data.toString(),
            "--steps",
            "1",
            "--batch",
            "2",
            "--threads",
            "1",
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.err());
    return out;
  }
}
