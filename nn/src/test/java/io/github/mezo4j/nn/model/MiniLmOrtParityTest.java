package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.MiniLm;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our engine against ONNX Runtime on all-MiniLM-L6-v2's own ONNX file, for a padded batch of real
 * SST-2 dev sentences tokenized by the model's tokenizer.
 */
class MiniLmOrtParityTest {
  private static final int SENTENCES = 10;
  private static Workers workers;
  private static EncoderInput input;
  private static float[] ours;
  private static float[] reference;
  private static int hidden;

  @BeforeAll
  static void runBothEngines() throws Exception {
    List<String> sentences = Sst2Sentences.devIfPresent(SENTENCES);
    if (sentences == null) {
      return; // every test skips, naming the folder
    }
    input = MiniLmFixture.batch(sentences);
    BertEncoder encoder = MiniLmFixture.encoder();
    hidden = encoder.hiddenSize();
    workers = Workers.of(2);
    ours = encoder.forward(input, workers);
    try (OrtReference ort = new OrtReference(MiniLm.onnxBytes(), 2)) {
      reference = ort.lastHiddenState(input);
    }
  }

  @BeforeEach
  void requireData() {
    assumeTrue(input != null, Sst2Sentences.missingMessage());
  }

  @AfterAll
  static void closeWorkers() {
    if (workers != null) {
      workers.close();
    }
  }

  @Test
  void batchIsRealPaddedAndOfDifferentLengths() {
    assertEquals(SENTENCES, input.batch());
    TreeSet<Integer> lengths = new TreeSet<>();
    for (int b = 0; b < input.batch(); b++) {
      lengths.add(input.length(b));
    }
    assertTrue(lengths.size() >= 5, "distinct lengths " + lengths);
    assertTrue(lengths.first() < input.seq(), "some sequence is padded: " + lengths);
  }

  @Test
  void lastHiddenStatesMatchOnnxRuntime() {
    assertEquals(reference.length, ours.length);
    double diff = TinyBert.maxDiffReal(ours, toDouble(reference), input, hidden);
    System.out.printf(
        "MiniLM vs ONNX Runtime: max |diff| of last hidden states over real positions = %.3g"
            + " (batch %d, seq %d)%n",
        diff, input.batch(), input.seq());
    assertTrue(diff <= 1e-4, "max |ours - ORT| over real positions = " + diff);
  }

  @Test
  void meanPooledEmbeddingsMatchOnnxRuntime() {
    float[] a = SentenceEmbedder.pool(ours, input, hidden, SentencePooling.MEAN, false);
    float[] b = SentenceEmbedder.pool(reference, input, hidden, SentencePooling.MEAN, false);
    double minCos = 1;
    for (int s = 0; s < input.batch(); s++) {
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int j = 0; j < hidden; j++) {
        dot += (double) a[s * hidden + j] * b[s * hidden + j];
        na += (double) a[s * hidden + j] * a[s * hidden + j];
        nb += (double) b[s * hidden + j] * b[s * hidden + j];
      }
      minCos = Math.min(minCos, dot / Math.sqrt(na * nb));
    }
    System.out.printf(
        "MiniLM vs ONNX Runtime: min cosine of mean-pooled embeddings = %.9f (1 - cos = %.3g)%n",
        minCos, 1 - minCos);
    assertTrue(minCos >= 0.9999, "min cosine " + minCos);
  }

  @Test
  void paddingHasNoEffect() {
    BertEncoder encoder = MiniLmFixture.encoder();
    double worst = 0;
    for (int b = 0; b < input.batch(); b++) {
      EncoderInput alone = TinyBert.single(input, b);
      float[] solo = encoder.forward(alone, workers);
      for (int i = 0; i < solo.length; i++) {
        worst = Math.max(worst, Math.abs(solo[i] - ours[b * input.seq() * hidden + i]));
      }
    }
    System.out.printf("MiniLM: max |batched - alone| over real positions = %.3g%n", worst);
    // Every kernel computes each real position the same way whatever else is in the batch.
    assertEquals(0.0, worst, "padding changed real positions by " + worst);
  }

  @Test
  void threadCountDoesNotChangeTheResult() {
    assertArrayEquals(ours, MiniLmFixture.encoder().forward(input, Workers.serial()));
  }

  private static double[] toDouble(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }
}
