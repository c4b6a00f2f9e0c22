package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mezo4j.core.parallel.Workers;
import org.junit.jupiter.api.Test;

class SentenceEmbedderTest {
  private final BertConfig config = TinyBert.bert();
  private final BertEncoder encoder = BertEncoder.of(config, TinyBert.params(config, 21, ""));
  private final EncoderInput input = TinyBert.randomBatch(config, 22, new int[] {5, 9, 2}, false);
  private final int h = config.hiddenSize();

  @Test
  void meanPoolingAveragesOnlyRealTokens() {
    float[] hidden = encoder.forward(input, Workers.serial());
    float[] pooled =
        new SentenceEmbedder(encoder, SentencePooling.MEAN, false).embed(input, Workers.serial());
    assertEquals(input.batch() * h, pooled.length);
    for (int b = 0; b < input.batch(); b++) {
      int len = input.length(b);
      for (int j = 0; j < h; j++) {
        double sum = 0;
        for (int t = 0; t < len; t++) {
          sum += hidden[(b * input.seq() + t) * h + j];
        }
        assertEquals(sum / len, pooled[b * h + j], 1e-5, "sequence " + b + " dim " + j);
      }
    }
  }

  @Test
  void clsPoolingTakesTheFirstToken() {
    float[] hidden = encoder.forward(input, Workers.serial());
    float[] pooled =
        new SentenceEmbedder(encoder, SentencePooling.CLS, false).embed(input, Workers.serial());
    for (int b = 0; b < input.batch(); b++) {
      for (int j = 0; j < h; j++) {
        assertEquals(hidden[b * input.seq() * h + j], pooled[b * h + j], "sequence " + b);
      }
    }
  }

  @Test
  void normalisedEmbeddingsHaveUnitLengthAndSameDirection() {
    float[] raw =
        new SentenceEmbedder(encoder, SentencePooling.MEAN, false).embed(input, Workers.serial());
    float[] unit =
        new SentenceEmbedder(encoder, SentencePooling.MEAN, true).embed(input, Workers.serial());
    for (int b = 0; b < input.batch(); b++) {
      double norm = 0;
      for (int j = 0; j < h; j++) {
        norm += (double) raw[b * h + j] * raw[b * h + j];
      }
      norm = Math.sqrt(norm);
      double unitNorm = 0;
      for (int j = 0; j < h; j++) {
        assertEquals(raw[b * h + j] / norm, unit[b * h + j], 1e-6);
        unitNorm += (double) unit[b * h + j] * unit[b * h + j];
      }
      assertEquals(1.0, unitNorm, 1e-5);
    }
  }

  @Test
  void poolRejectsHiddenStatesOfTheWrongSize() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SentenceEmbedder.pool(new float[7], input, h, SentencePooling.MEAN, false));
    assertEquals(true, e.getMessage().contains("7"), e.getMessage());
  }
}
