package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.PeftLoraAdapter;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.LoraConfig;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune --train-params lora...} end to end on the tiny 2-layer model of {@link
 * FinetuneCommandsTest}: the header names the trained count, {@code eval --checkpoint --replay}
 * reproduces the run's dev metric, {@code replay} is bit-exact twice and writes the merged model
 * (which computes what the adapters do) and the PEFT adapter folder.
 */
class LoraCommandTest {
  private static final String SPEC = "lora:r=4:alpha=8:targets=query+value+intermediate";

  @Test
  void loraFinetuneThenEvalAndReplay(@TempDir Path tmp) throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(24, 1));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(12, 2));
    Path out = tmp.resolve("run");
    CommandRun.Run r =
        MainTest.run("", args(model, data, SPEC, "--out", out.toString(), "--save-weights"));
    assertEquals(0, r.exitCode(), r.err());
    JsonNode summary = r.jsonLines().get(0);
    assertTrue(r.err().contains("(" + SPEC + ")"), r.err());

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
      // with or without --replay, the adapters are rebuilt: the run's own numbers, exactly
      CommandRun.Run e = MainTest.run("", eval.toArray(String[]::new));
      assertEquals(0, e.exitCode(), e.err());
      JsonNode m = e.jsonLines().get(0);
      assertEquals(summary.get("final_dev_metric").asDouble(), m.get("accuracy").asDouble());
      assertEquals(summary.get("final_dev_loss").asDouble(), m.get("loss").asDouble());
    }

    Path w1 = tmp.resolve("w1");
    Path w2 = tmp.resolve("w2");
    for (Path w : List.of(w1, w2)) {
      CommandRun.Run rp =
          MainTest.run("", "replay", "--checkpoint", last.toString(), "--out", w.toString());
      assertEquals(0, rp.exitCode(), rp.err());
      assertTrue(rp.jsonLines().get(0).get("identical_to_saved_weights").asBoolean());
    }
    for (String f :
        List.of(
            HuggingFaceFolder.WEIGHTS,
            HuggingFaceFolder.CONFIG,
            "adapter/" + PeftLoraAdapter.WEIGHTS,
            "adapter/" + PeftLoraAdapter.CONFIG)) {
      assertArrayEquals(
          Files.readAllBytes(w1.resolve(f)), Files.readAllBytes(w2.resolve(f)), f + " differs");
    }

    // the merged folder is a plain model computing what the replayed adapters compute
    CheckpointModels.Base base = CheckpointModels.base(Checkpoint.open(last));
    EncoderClassifier replayed = Checkpoint.open(last).replay(base.classifier(), Workers.serial());
    BertEncoder adapters = replayed.embedder().encoder();
    assertEquals(LoraConfig.parse(SPEC), adapters.lora());
    long count = adapters.adapterParameters().elementCount();
    assertTrue(r.err().contains("MeZO trains %,d of".formatted(count)), r.err());
    assertEquals(
        count + replayed.head().parameters().elementCount(),
        summary.get("trainable_parameters").asLong());
    BertCheckpoint merged = HuggingFaceFolder.load(w1);
    assertFalse(merged.parameters().names().stream().anyMatch(LoraConfig::isAdapter));
    EncoderInput in =
        EncoderInput.padded(
            new int[][] {{2, 5, 6, 7, 3}, {2, 8, 3}}, new int[][] {new int[5], new int[3]}, 0);
    float[] a = adapters.forward(in, Workers.serial());
    float[] b = BertEncoder.of(merged.config(), merged.parameters()).forward(in, Workers.serial());
    float[] plain = base.classifier().embedder().encoder().forward(in, Workers.serial());
    double diff = 0;
    double moved = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      moved = Math.max(moved, Math.abs(a[i] - plain[i]));
    }
    assertTrue(diff < 1e-5, "merged vs adapters: " + diff);
    assertTrue(moved > diff * 10, "the adapters barely moved: " + moved);

    // the PEFT folder: its names and shapes, read back with the project's reader
    try (SafetensorsReader reader =
        SafetensorsReader.open(w1.resolve("adapter").resolve(PeftLoraAdapter.WEIGHTS))) {
      assertEquals(adapters.adapterParameters().count(), reader.names().size());
      for (Parameter p : adapters.adapterParameters()) {
        Parameter read = reader.read(PeftLoraAdapter.NAME_PREFIX + p.name());
        assertArrayEquals(p.shape(), read.shape(), p.name());
        assertArrayEquals(p.toFloatArray(), read.toFloatArray(), p.name());
      }
    }
    JsonNode cfg = JsonFiles.read(w1.resolve("adapter").resolve(PeftLoraAdapter.CONFIG));
    assertEquals(4, cfg.get("r").asInt());
    assertEquals(8, cfg.get("lora_alpha").asInt());
    assertEquals(model.toString(), cfg.get("base_model_name_or_path").asText());
    assertEquals(
        "[\"query\",\"value\",\"intermediate.dense\"]", cfg.get("target_modules").toString());
  }

  @Test
  void badSpecsNameTheValue(@TempDir Path tmp) throws Exception {
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("train.tsv"), FinetuneCommandsTest.tsv(8, 1));
    Files.writeString(data.resolve("dev.tsv"), FinetuneCommandsTest.tsv(4, 2));
    CommandRun.Run r =
        MainTest.run(
            "",
            args(model, data, "lora:targets=query+dense", "--out", tmp.resolve("a").toString()));
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("'lora:targets=query+dense'"), r.err());
    assertTrue(r.err().contains("unknown LoRA target 'dense'"), r.err());
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
                "1e-2",
                "--head",
                "linear",
                "--threads",
                "2",
                "--train-params",
                trainParams));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }
}
