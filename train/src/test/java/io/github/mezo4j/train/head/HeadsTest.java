package io.github.mezo4j.train.head;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.HeadFiles;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadsTest {
  @Test
  void linearHeadComputesWeightsTimesEmbeddingPlusBias() {
    LinearHead h =
        new LinearHead(
            Parameter.f32(LinearHead.WEIGHT, new int[] {2, 3}, new float[] {1, 2, 3, -1, 0, 0.5f}),
            Parameter.f32(LinearHead.BIAS, new int[] {2}, new float[] {0.25f, -1}),
            List.of("x", "y"));
    SentenceEmbedder embedder = TinyTask.classifier(1).embedder();
    // a 3-wide head on a 16-wide encoder is refused
    assertThrows(IllegalArgumentException.class, () -> h.scorer(embedder, Workers.serial()));
    LinearHead wide = LinearHead.zeros(16, List.of("x", "y"));
    wide.weight().set(0, 2); // class 0 reads feature 0 twice
    wide.bias().set(1, 0.5f);
    double[] logits = new double[4];
    float[] e = new float[32];
    e[0] = 3;
    e[16] = -1;
    wide.scorer(embedder, Workers.serial()).score(e, 2, logits, 0);
    assertArrayEquals(new double[] {6, 0.5, -2, 0.5}, logits);
  }

  @Test
  void promptHeadScoresAreScaledCosinesWithTheLabelEmbeddings() {
    EncoderClassifier c = TinyTask.classifier(1);
    PromptHead p = (PromptHead) TinyTask.promptHead();
    float[] labels =
        c.embedder()
            .embed(
                c.batch(
                        c.tokenize(
                            io.github.mezo4j.train.trainer.LabeledTexts.of(
                                p.labels(), new int[] {0, 1}, TinyTask.LABELS)))
                    .buckets()
                    .get(0),
                Workers.serial());
    // scoring the label texts themselves: the diagonal is scale * cos(x, x) = scale
    double[] logits = new double[4];
    p.scorer(c.embedder(), Workers.serial()).score(labels, 2, logits, 0);
    assertEquals(5, logits[0], 1e-5);
    assertEquals(5, logits[3], 1e-5);
    assertTrue(logits[1] < 5 && logits[2] < 5);
    assertEquals(0, p.parameters().count());
  }

  @Test
  void similarityHeadStartsAtChanceAndWithIdentityScoresAsThePromptHead() {
    EncoderClassifier c = TinyTask.classifier(1);
    EncoderClassifier.Batch b =
        c.batch(
            c.tokenize(
                io.github.mezo4j.train.trainer.LabeledTexts.of(
                    List.of("the movie was good .", "it was awful", "plot ."),
                    new int[] {1, 0, 0},
                    TinyTask.LABELS)));
    PromptHead prompt = (PromptHead) TinyTask.promptHead();
    SimilarityHead zero = SimilarityHead.zeros(prompt.labels(), 5, c.tokenizer(), 0);
    double[] z = c.withHead(zero).logits(b, Workers.serial());
    for (double v : z) {
      assertEquals(0, v); // uninformed: every class scores 0
    }
    SimilarityHead identity = zero.copy();
    identity.weight().set(0, 1);
    identity.weight().set(3, 1);
    assertEquals(0, zero.weight().get(0), "copy() shares the weights");
    double[] sim = c.withHead(identity).logits(b, Workers.serial());
    double[] cos = c.logits(b, Workers.serial()); // the prompt head, scale 5
    for (int r = 0; r < 3; r++) {
      // the same softmax: logits differ by a constant per row
      assertEquals(cos[2 * r + 1] - cos[2 * r], sim[2 * r + 1] - sim[2 * r], 1e-6);
      assertEquals(0, sim[2 * r] + sim[2 * r + 1], 1e-6); // centred over the labels
    }
    // row c of W mixes the centred similarities into class c's logit
    identity.weight().set(1, 2);
    double[] mixed = c.withHead(identity).logits(b, Workers.serial());
    assertEquals(sim[0] + 2 * sim[1], mixed[0], 1e-6);
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SimilarityHead.of(
                prompt.labels(),
                5,
                c.tokenizer(),
                0,
                Parameter.f32(SimilarityHead.WEIGHT, new int[] {2, 3}, new float[6])));
  }

  @Test
  void headsRoundTripThroughTheirFolder(@TempDir Path dir) throws IOException {
    EncoderClassifier c = TinyTask.classifier(1);
    LinearHead linear = LinearHead.zeros(16, List.of("neg", "pos"));
    linear.weight().set(7, 1.5f);
    HeadFiles.save(dir.resolve("l"), linear);
    LinearHead back =
        assertInstanceOf(LinearHead.class, HeadFiles.load(dir.resolve("l"), c.tokenizer(), 0));
    assertTrue(back.weight().contentEquals(linear.weight()));
    assertEquals(linear.labels(), back.labels());

    HeadFiles.save(dir.resolve("p"), TinyTask.promptHead());
    PromptHead p =
        assertInstanceOf(PromptHead.class, HeadFiles.load(dir.resolve("p"), c.tokenizer(), 0));
    assertEquals(TinyTask.promptHead().labels(), p.labels());
    assertEquals(5, p.scale());

    SimilarityHead sim = SimilarityHead.zeros(TinyTask.promptHead().labels(), 5, c.tokenizer(), 0);
    sim.weight().set(1, -2f);
    sim.weight().set(2, 0.25f);
    HeadFiles.save(dir.resolve("s"), sim);
    SimilarityHead simBack =
        assertInstanceOf(SimilarityHead.class, HeadFiles.load(dir.resolve("s"), c.tokenizer(), 0));
    assertTrue(simBack.parameters().contentEquals(sim.parameters()));
    assertEquals(sim.labels(), simBack.labels());
    assertEquals(5, simBack.scale());

    Files.writeString(dir.resolve("p").resolve(HeadFiles.HEAD_JSON), "{\"kind\": \"mlp\"}");
    IOException e =
        assertThrows(IOException.class, () -> HeadFiles.load(dir.resolve("p"), c.tokenizer(), 0));
    assertTrue(
        e.getMessage().contains("labels") || e.getMessage().contains("kind"), e.getMessage());
  }

  @Test
  void aPromptHeadIgnoresItsTokenizersPadding() {
    EncoderClassifier c = TinyTask.classifier(1);
    List<String> labels = List.of("bad", "good");
    PromptHead plain = PromptHead.of(labels, 20, TinyTask.tokenizer(), c.padId());
    PromptHead padded =
        PromptHead.of(
            labels,
            20,
            TinyTask.tokenizer().withPadding(io.github.mezo4j.tokenizer.Padding.fixed(16)),
            c.padId());
    EncoderClassifier.Batch batch = c.batch(c.withHead(plain).tokenize(TinyTask.data(6, 3)));
    try (Workers w = Workers.of(1)) {
      assertArrayEquals(
          c.withHead(plain).logits(batch, w), c.withHead(padded).logits(batch, w), 0.0);
    }
  }
}
