package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.LoraConfig;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --train-params lora...}: parsing, the trainable set (adapters and head only), and a run
 * whose base weights stay frozen, that resumes and replays bit for bit, and whose saved merged
 * weights compute what the adapters do.
 */
class LoraRunTest {
  private static final String SPEC = "lora:r=4:alpha=8:targets=query+value+output";

  @Test
  void specsAreCheckedEarlyAndRecordedInTheConfig() {
    assertEquals(LoraConfig.DEFAULT, TrainParams.parse("lora").lora());
    assertNull(TrainParams.parse("bias-norm").lora());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TinyTask.config("prompt", "lora:r=0", 4, 2, false));
    assertTrue(e.getMessage().contains("--train-params"), e.getMessage());
    assertTrue(e.getMessage().contains("'lora:r=0'"), e.getMessage());
    // decoders (the one-argument selector) have no adapters
    e = assertThrows(IllegalArgumentException.class, () -> TrainParams.parse("lora").selector());
    assertTrue(e.getMessage().contains("for encoders"), e.getMessage());

    ObjectNode json = TinyTask.config("prompt", SPEC, 4, 2, false).toJson();
    assertEquals(4, json.get("lora").get("r").asInt());
    assertEquals(8.0, json.get("lora").get("alpha").asDouble());
    assertEquals("[\"query\",\"value\",\"output\"]", json.get("lora").get("targets").toString());
    assertFalse(TinyTask.config("prompt", "bias-norm", 4, 2, false).toJson().has("lora"));
  }

  @Test
  void theTrainableSetIsTheAdaptersThenTheHead() throws Exception {
    FineTuneConfig config = TinyTask.config("prompt", SPEC, 4, 2, false);
    EncoderClassifier base = TinyTask.classifier(3);
    EncoderClassifier adapted = config.withAdapters(base);
    assertSame(adapted, config.withAdapters(adapted), "adapters are added once");
    ParameterSet trainable = adapted.trainable(config.selector(2));
    // 2 layers x (query, value: 4x16 + 16x4; output: 4x32 + 16x4)
    assertEquals(2 * (2 * (64 + 64) + (128 + 64)), trainable.elementCount());
    for (Parameter p : trainable) {
      assertTrue(LoraConfig.isAdapter(p.name()), p.name());
    }
    assertSame(base, TinyTask.config("prompt", "all", 4, 2, false).withAdapters(base));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TinyTask.config("prompt", "lora", 4, 2, false).withAdapters(adapted));
    assertTrue(e.getMessage().contains(LoraConfig.parse(SPEC).spec()), e.getMessage());
  }

  @Test
  void aLoraRunFreezesTheBaseResumesAndReplaysBitForBit(@TempDir Path tmp) throws Exception {
    int steps = 12;
    FineTuneConfig config = TinyTask.config("linear", SPEC, steps, 4, true);
    FineTuner.Result run = FineTuner.run(TinyTask.run(config, tmp.resolve("run"), false, 2, null));
    EncoderClassifier trained = run.classifier();
    BertEncoder encoder = trained.embedder().encoder();
    assertEquals(LoraConfig.parse(SPEC), encoder.lora());
    long adapters = encoder.adapterParameters().elementCount();
    assertEquals(
        adapters + trained.head().parameters().elementCount(),
        run.summary().get("trainable_parameters").asLong());

    // the base weights are frozen; the adapters and the head moved
    ParameterSet base = TinyTask.classifier(3).embedder().encoder().parameters();
    for (Parameter p : encoder.parameters()) {
      if (!LoraConfig.isAdapter(p.name())) {
        assertTrue(p.contentEquals(base.get(p.name())), p.name() + " moved");
      }
    }
    boolean bMoved = false;
    for (Parameter p : encoder.adapterParameters()) {
      bMoved |=
          p.name().endsWith(LoraConfig.B_SUFFIX)
              && !java.util.Arrays.equals(new float[p.size()], p.toFloatArray());
    }
    assertTrue(bMoved, "no B moved in " + steps + " steps");
    ObjectNode runJson = JsonFiles.read(new RunFolder(tmp.resolve("run")).run());
    assertEquals(SPEC, runJson.get("config").get("params").asText());
    assertEquals(4, runJson.get("config").get("lora").get("r").asInt());

    // interrupted after step 6 and resumed: the same adapters and head
    Path split = tmp.resolve("split");
    assertThrows(
        ResumeTest.Interrupt.class,
        () ->
            FineTuner.run(
                TinyTask.run(
                    config,
                    split,
                    false,
                    2,
                    step -> {
                      if (step == 6) {
                        throw new ResumeTest.Interrupt();
                      }
                    })));
    FineTuner.Result resumed = FineTuner.run(TinyTask.run(config, split, true, 1, null));
    assertTrue(trained.trainable().contentEquals(resumed.classifier().trainable()));

    // replayed twice onto fresh base weights: the run's weights, bit for bit, both times
    Checkpoint last = Checkpoint.open(run.last());
    EncoderClassifier once = last.replay(TinyTask.classifier(3), Workers.of(2));
    EncoderClassifier twice = last.replay(TinyTask.classifier(3), Workers.serial());
    assertTrue(once.trainable().contentEquals(trained.trainable()));
    assertTrue(twice.trainable().contentEquals(trained.trainable()));
    EncoderClassifier.Batch dev = once.batch(once.tokenize(TinyTask.data(16, 2)));
    assertArrayEquals(trained.logits(dev, Workers.of(2)), once.logits(dev, Workers.serial()));
    assertEquals(
        last.manifest().get("dev_loss").asDouble(), once.evaluate(dev, Workers.serial()).loss());

    // --save-weights saved the merged weights: a plain encoder over them computes the same logits
    BertCheckpoint saved = HuggingFaceFolder.load(last.weights().orElseThrow());
    assertFalse(saved.parameters().names().stream().anyMatch(LoraConfig::isAdapter));
    assertTrue(
        saved
            .parameters()
            .contentEquals(
                ParameterSet.of(
                    encoder.mergedParameters().list().stream()
                        .filter(p -> saved.parameters().contains(p.name()))
                        .toList())));
    EncoderClassifier merged =
        EncoderClassifier.meanPooled(
                BertEncoder.of(saved.config(), saved.parameters()), once.tokenizer(), once.head())
            .withHead(last.head(once));
    double[] a = once.logits(dev, Workers.serial());
    double[] b = merged.logits(dev, Workers.serial());
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-4 * Math.max(1, Math.abs(a[i])), "logit " + i);
    }
    assertFalse(
        java.util.Arrays.equals(
            a, TinyTask.classifier(3).withHead(once.head()).logits(dev, Workers.serial())),
        "the adapters changed nothing");
  }
}
