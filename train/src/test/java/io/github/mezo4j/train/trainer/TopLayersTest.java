package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.log.StepRecord;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.DemoData;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --train-params top:K}: the selection, the frozen-prefix cache's losses against full
 * forward passes (equal bits: a real token's hidden states do not depend on padding), determinism
 * across thread counts, and a run that replays bit for bit.
 */
class TopLayersTest {

  @Test
  void topKSelectsEveryWeightOfTheLastKLayersAndNothingElse() {
    EncoderClassifier c = TinyTask.classifier(3); // 2 layers
    ParameterSet top1 = c.trainable(TrainParams.parse("top:1").selector(2));
    assertEquals(16, top1.count()); // one layer's 16 tensors; the prompt head has no weights
    for (Parameter p : top1) {
      assertTrue(p.name().startsWith("encoder.layer.1."), p.name());
    }
    assertEquals(32, c.trainable(TrainParams.parse("top:2").selector(2)).count());
    // a base-model prefix in the names is allowed
    assertTrue(
        TrainParams.parse("top:1")
            .selector(6)
            .test(
                Parameter.f32(
                    "bert.encoder.layer.5.output.dense.bias", new int[] {1}, new float[1])));
    assertFalse(
        TrainParams.parse("top:1")
            .selector(6)
            .test(Parameter.f32("encoder.layer.4.output.dense.bias", new int[] {1}, new float[1])));
  }

  @Test
  void badValuesNameTheValueAndTheRange() {
    for (String bad : List.of("top:0", "top:x", "top:", "top:-1", "top:1.5")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TinyTask.config("prompt", bad, 4, 2, false),
              bad);
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
      assertTrue(
          e.getMessage().contains("from 1 to the encoder's number of layers"), e.getMessage());
    }
    // K above the layer count: known once the model is, refused before the run starts
    FineTuneConfig top99 = TinyTask.config("prompt", "top:99", 4, 2, false);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> top99.selector(2));
    assertEquals(
        "--train-params 'top:99': K of top:K must be from 1 to 2 (the encoder has 2 layers)",
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainParams.parse("top:2").selector(),
            "no layers");
    assertTrue(e.getMessage().contains("for encoders"), e.getMessage());
  }

  /**
   * MiniLM on real sentences (the bundled demo reviews, 16 of them in buckets of 8): the objective
   * through the cache gives the bits of full forward passes, for the prompt head whose label
   * sentences also come from the cache, at 1 and 2 threads, on a first and a second (cached) pass.
   */
  @Test
  void cachedLossesEqualFullForwardLossesOnMiniLm() throws IOException {
    BertCheckpoint minilm = MiniLm.load();
    BertEncoder encoder = BertEncoder.of(minilm.config(), minilm.parameters());
    WordPieceTokenizer tokenizer =
        WordPieceTokenizer.fromJson(
            minilm.tokenizer().orElseThrow().text(), minilm.tokenizer().orElseThrow().source());
    int pad = minilm.config().padTokenId();
    EncoderClassifier full =
        EncoderClassifier.meanPooled(
            encoder,
            tokenizer,
            PromptHead.of(List.of("It was terrible.", "It was great."), 20, tokenizer, pad));
    Dataset demo = DemoData.load();
    LabeledTexts train = LabeledTexts.of(demo.train(), demo.labels());
    EncoderClassifier.Tokenized set = full.tokenize(train);
    EncoderClassifier.Batch batch = full.batch(set, IntStream.range(40, 56).toArray());

    int k = 2;
    ParameterSet trainable = full.trainable(TrainParams.parse("top:" + k).selector(6));
    VirtualPerturbation plus = new VirtualPerturbation(trainable, 0x5EED, 1e-3f);
    PerturbedObjective<EncoderClassifier.Batch> fullObjective =
        full.objective(ClassificationLoss.CROSS_ENTROPY, Workers.of(2));
    double[] expected = fullObjective.lossPair(batch, plus);
    double plain =
        EncoderClassifier.lossOf(
            ClassificationLoss.CROSS_ENTROPY, full.logits(batch, Workers.of(2)), batch);
    assertNotEquals(expected[0], expected[1], "the perturbation changed nothing");

    List<String> warnings = new ArrayList<>();
    FrozenPrefixCache cache =
        new FrozenPrefixCache(encoder, 6 - k, FrozenPrefixCache.DEFAULT_MAX_BYTES, warnings::add);
    EncoderClassifier cached = full.withPrefixCache(cache);
    for (int threads : new int[] {1, 2, 1}) {
      PerturbedObjective<EncoderClassifier.Batch> o =
          cached.objective(ClassificationLoss.CROSS_ENTROPY, Workers.of(threads));
      double[] got = o.lossPair(batch, plus);
      assertEquals(bits(expected[0]), bits(got[0]), threads + " threads, L+");
      assertEquals(bits(expected[1]), bits(got[1]), threads + " threads, L-");
      assertEquals(
          bits(plain),
          bits(
              EncoderClassifier.lossOf(
                  ClassificationLoss.CROSS_ENTROPY,
                  cached.logits(batch, Workers.of(threads)),
                  batch)));
    }
    // the 16 sentences and the 2 label sentences, tokens * 384 * 4 bytes
    long tokens = 0;
    for (int i = 40; i < 56; i++) {
      tokens += set.ids()[i].length;
    }
    for (String s : List.of("It was terrible.", "It was great.")) {
      tokens += tokenizer.withoutPadding().encode(s).ids().length; // label sentences are unpadded
    }
    assertEquals(18, cache.sequences());
    assertEquals(tokens * 384 * 4, cache.bytes());
    assertTrue(warnings.isEmpty());
  }

  /**
   * A top:1 run equals, bit for bit, the same selection spelled as a glob (which runs full forward
   * passes), at 1 and 2 threads; its checkpoints replay bit for bit, and a full forward pass on the
   * replayed weights reproduces the recorded dev metric and loss.
   */
  @Test
  void aTop1RunMatchesFullForwardPassesAndReplaysBitForBit(@TempDir Path tmp) throws IOException {
    FineTuneConfig top1 = TinyTask.config("similarity", "top:1", 12, 4, false);
    FineTuner.Result cached =
        FineTuner.run(TinyTask.run(top1, tmp.resolve("top1"), false, 2, null));
    assertNotNull(cached.classifier().embedder().prefixCache(), "top:1 runs from the cache");
    assertTrue(cached.summary().get("prefix_cache_sequences").asInt() > 16);
    FineTuner.Result serial =
        FineTuner.run(TinyTask.run(top1, tmp.resolve("top1-serial"), false, 1, null));
    FineTuneConfig glob = TinyTask.config("similarity", "encoder.layer.1.*", 12, 4, false);
    FineTuner.Result full = FineTuner.run(TinyTask.run(glob, tmp.resolve("glob"), false, 2, null));
    assertEquals(null, full.classifier().embedder().prefixCache());

    List<StepRecord> steps = StepLog.read(new RunFolder(tmp.resolve("top1")).stepLog()).records();
    assertEquals(12, steps.size());
    assertEquals(
        steps, StepLog.read(new RunFolder(tmp.resolve("top1-serial")).stepLog()).records());
    assertEquals(steps, StepLog.read(new RunFolder(tmp.resolve("glob")).stepLog()).records());
    assertTrue(cached.classifier().trainable().contentEquals(full.classifier().trainable()));
    assertTrue(cached.classifier().trainable().contentEquals(serial.classifier().trainable()));
    assertEquals(full.bestDevMetric(), cached.bestDevMetric());
    assertEquals(
        full.summary().get("final_dev_loss").asDouble(),
        cached.summary().get("final_dev_loss").asDouble());

    // interrupted and resumed (a fresh cache, filled in another order): the same run
    Path split = tmp.resolve("top1-split");
    assertThrows(
        ResumeTest.Interrupt.class,
        () ->
            FineTuner.run(
                TinyTask.run(
                    top1,
                    split,
                    false,
                    2,
                    step -> {
                      if (step == 6) {
                        throw new ResumeTest.Interrupt();
                      }
                    })));
    FineTuner.Result resumed = FineTuner.run(TinyTask.run(top1, split, true, 2, null));
    assertEquals(steps, StepLog.read(new RunFolder(split).stepLog()).records());
    assertTrue(cached.classifier().trainable().contentEquals(resumed.classifier().trainable()));

    // replay onto fresh base weights (no cache: full forward passes) and evaluate
    Checkpoint last = Checkpoint.open(cached.last());
    EncoderClassifier replayed = last.replay(TinyTask.classifier(3), Workers.of(2));
    assertTrue(replayed.trainable().contentEquals(cached.classifier().trainable()));
    ParameterSet base = TinyTask.classifier(3).embedder().encoder().parameters();
    ParameterSet trained = replayed.embedder().encoder().parameters();
    for (Parameter p : trained) {
      assertEquals(
          !p.name().startsWith("encoder.layer.1."),
          p.contentEquals(base.get(p.name())),
          p.name() + ": only the top layer moves");
    }
    EncoderClassifier.Batch dev = replayed.batch(replayed.tokenize(TinyTask.data(16, 2)));
    Evaluation e = replayed.evaluate(dev, Workers.serial());
    assertEquals(last.manifest().get("dev_metric").asDouble(), e.accuracy());
    assertEquals(last.manifest().get("dev_loss").asDouble(), e.loss());
    assertArrayEquals(
        cached.classifier().logits(dev, Workers.of(2)), replayed.logits(dev, Workers.of(2)));
  }

  private static long bits(double d) {
    return Double.doubleToRawLongBits(d);
  }
}
