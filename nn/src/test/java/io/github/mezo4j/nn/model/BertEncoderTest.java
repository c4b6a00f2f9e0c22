package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BertEncoderTest {
  private static final int[] LENGTHS = {7, 3, 12, 1, 9};

  @Test
  void bertMatchesNaiveDoublePrecisionReference() {
    BertConfig c = TinyBert.bert();
    ParameterSet p = TinyBert.params(c, 1, "");
    EncoderInput in = TinyBert.randomBatch(c, 2, LENGTHS, true);
    BertEncoder encoder = BertEncoder.of(c, p);
    float[] ours = encoder.forward(in, Workers.serial());
    int[] positions = new int[in.positions()];
    for (int t = 0; t < positions.length; t++) {
      positions[t] = t % in.seq();
    }
    double[] ref = ReferenceBert.forward(c, p, "", in, positions);
    assertEquals(in.positions() * c.hiddenSize(), ours.length);
    double diff = TinyBert.maxDiffReal(ours, ref, in, c.hiddenSize());
    assertTrue(diff < 2e-5, "max |ours - reference| over real positions = " + diff);
  }

  @Test
  void robertaCountsPositionsFromPadIdPlusOneOverRealTokens() {
    BertConfig c = TinyBert.roberta();
    BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 3, "roberta."));
    // pad id 1: HF create_position_ids_from_input_ids gives pad -> 1, real tokens -> 2, 3, ...
    EncoderInput in =
        EncoderInput.of(
            2,
            5,
            new int[] {0, 7, 8, 2, 1, 0, 9, 2, 1, 1},
            new int[] {1, 1, 1, 1, 0, 1, 1, 1, 0, 0});
    assertArrayEquals(new int[] {2, 3, 4, 5, 1, 2, 3, 4, 1, 1}, encoder.positionIds(in));
    // XLM-R uses the same scheme; BERT counts every position, padding included.
    BertConfig xlmr = TinyBert.config("xlm-roberta", 50, 16, 2, 2, 40, 40, 1, 1);
    assertArrayEquals(
        encoder.positionIds(in),
        BertEncoder.of(xlmr, TinyBert.params(xlmr, 3, "")).positionIds(in));
    BertConfig bert = TinyBert.bert();
    assertArrayEquals(
        new int[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 4},
        BertEncoder.of(bert, TinyBert.params(bert, 3, "")).positionIds(in));
  }

  @Test
  void robertaMatchesNaiveReferenceWithOffsetPositions() {
    BertConfig c = TinyBert.roberta();
    ParameterSet p = TinyBert.params(c, 4, "roberta.");
    EncoderInput in = TinyBert.randomBatch(c, 5, LENGTHS, false);
    BertEncoder encoder = BertEncoder.of(c, p);
    assertEquals("roberta.", encoder.prefix());
    float[] ours = encoder.forward(in, Workers.serial());
    int[] positions = new int[in.positions()];
    for (int t = 0; t < positions.length; t++) {
      boolean real = in.inputIds()[t] != c.padTokenId();
      positions[t] = real ? c.padTokenId() + 1 + (t % in.seq()) : c.padTokenId();
    }
    double[] ref = ReferenceBert.forward(c, p, "roberta.", in, positions);
    double diff = TinyBert.maxDiffReal(ours, ref, in, c.hiddenSize());
    assertTrue(diff < 2e-5, "max |ours - reference| over real positions = " + diff);
  }

  @Test
  void bitIdenticalForOneTwoAndEightThreads() {
    // Big enough that the kernels split rows, columns and heads over several tasks.
    BertConfig c = TinyBert.config("bert", 300, 64, 2, 4, 160, 80, 2, 0);
    BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 6, ""));
    EncoderInput in = TinyBert.randomBatch(c, 7, new int[] {70, 33, 64, 5}, true);
    float[] one = encoder.forward(in, Workers.serial());
    try (Workers two = Workers.of(2);
        Workers eight = Workers.of(8)) {
      assertArrayEquals(one, encoder.forward(in, two));
      assertArrayEquals(one, encoder.forward(in, eight));
    }
  }

  @Test
  void paddingDoesNotChangeRealPositions() {
    for (BertConfig c : List.of(TinyBert.bert(), TinyBert.roberta())) {
      BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 8, ""));
      EncoderInput batch = TinyBert.randomBatch(c, 9, LENGTHS, c.typeVocabSize() > 1);
      float[] padded = encoder.forward(batch, Workers.serial());
      int h = c.hiddenSize();
      for (int b = 0; b < batch.batch(); b++) {
        EncoderInput alone = TinyBert.single(batch, b);
        float[] solo = encoder.forward(alone, Workers.serial());
        for (int i = 0; i < alone.seq() * h; i++) {
          float got = padded[b * batch.seq() * h + i];
          // Bit for bit: no kernel lets padding or batch neighbours into a real position.
          assertEquals(solo[i], got, c.modelType() + " sequence " + b + " element " + i);
        }
      }
    }
  }

  @Test
  void tokenTypesChangeTheOutput() {
    BertConfig c = TinyBert.bert();
    BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 10, ""));
    EncoderInput pair = TinyBert.randomBatch(c, 11, new int[] {8}, true);
    EncoderInput single = EncoderInput.of(1, 8, pair.inputIds(), pair.attentionMask());
    float[] a = encoder.forward(pair, Workers.serial());
    float[] b = encoder.forward(single, Workers.serial());
    assertFalse(java.util.Arrays.equals(a, b));
  }

  @Test
  void readsLiveWeightsOnEveryCall() {
    BertConfig c = TinyBert.bert();
    ParameterSet p = TinyBert.params(c, 12, "");
    BertEncoder encoder = BertEncoder.of(c, p);
    EncoderInput in = TinyBert.randomBatch(c, 13, LENGTHS, false);
    float[] before = encoder.forward(in, Workers.serial());
    // A weight deep in the last layer: a cached copy would not see this write.
    float[] w = p.get("encoder.layer.1.output.dense.weight").f32Data();
    float saved = w[5];
    w[5] += 0.5f;
    float[] changed = encoder.forward(in, Workers.serial());
    w[5] = saved;
    float[] restored = encoder.forward(in, Workers.serial());
    assertFalse(java.util.Arrays.equals(before, changed));
    assertArrayEquals(before, restored);
  }

  @Test
  void parametersAreExactlyTheUsedOnesSharingStorage() {
    BertConfig c = TinyBert.bert();
    List<Parameter> list = new ArrayList<>(TinyBert.params(c, 14, "bert.").list());
    list.add(Parameter.zeros("bert.pooler.dense.weight", DType.F32, 16, 16));
    list.add(Parameter.zeros("classifier.weight", DType.F32, 2, 16));
    ParameterSet all = ParameterSet.of(list);
    BertEncoder encoder = BertEncoder.of(c, all);
    assertEquals("bert.", encoder.prefix());
    assertEquals(5 + 16 * c.numHiddenLayers(), encoder.parameters().count());
    assertFalse(encoder.parameters().contains("bert.pooler.dense.weight"));
    Parameter q = encoder.parameters().get("bert.encoder.layer.0.attention.self.query.weight");
    assertTrue(q == all.get("bert.encoder.layer.0.attention.self.query.weight"));
  }

  @Test
  void rejectsUnsupportedActivationNamingIt() {
    BertConfig relu =
        new BertConfig("bert", List.of(), 50, 16, 2, 2, 40, "relu", 32, 2, 1e-12, 0, Map.of());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BertEncoder.of(relu, TinyBert.params(TinyBert.bert(), 1, "")));
    assertTrue(e.getMessage().contains("relu"), e.getMessage());
  }

  @Test
  void rejectsMisshapenAndMissingWeightsNamingThem() {
    BertConfig c = TinyBert.bert();
    String name = "encoder.layer.1.intermediate.dense.weight";

    List<Parameter> wrong = replace(TinyBert.params(c, 1, ""), name, new int[] {16, 40});
    var e2 =
        assertThrows(
            IllegalArgumentException.class, () -> BertEncoder.of(c, ParameterSet.of(wrong)));
    assertTrue(
        e2.getMessage().contains(name) && e2.getMessage().contains("[40, 16]"), e2.getMessage());

    List<Parameter> missing = new ArrayList<>(TinyBert.params(c, 1, "").list());
    missing.removeIf(x -> x.name().equals(name));
    var e3 =
        assertThrows(
            IllegalArgumentException.class, () -> BertEncoder.of(c, ParameterSet.of(missing)));
    assertTrue(e3.getMessage().contains(name), e3.getMessage());
  }

  @Test
  void rejectsOutOfRangeIdsNamingThePosition() {
    BertConfig c = TinyBert.bert();
    BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 1, ""));
    EncoderInput badId = EncoderInput.of(1, 3, new int[] {2, 50, 3}, new int[] {1, 1, 1});
    var e1 =
        assertThrows(
            IllegalArgumentException.class, () -> encoder.forward(badId, Workers.serial()));
    assertTrue(e1.getMessage().contains("inputIds[1]") && e1.getMessage().contains("50"));

    EncoderInput badType =
        new EncoderInput(1, 3, new int[] {2, 3, 4}, new int[] {1, 1, 1}, new int[] {0, 2, 0});
    var e2 =
        assertThrows(
            IllegalArgumentException.class, () -> encoder.forward(badType, Workers.serial()));
    assertTrue(e2.getMessage().contains("tokenTypeIds[1]"), e2.getMessage());

    int tooLong = c.maxPositionEmbeddings() + 1;
    EncoderInput longInput = EncoderInput.of(1, tooLong, new int[tooLong], new int[tooLong]);
    var e3 =
        assertThrows(
            IllegalArgumentException.class, () -> encoder.forward(longInput, Workers.serial()));
    assertTrue(e3.getMessage().contains("max_position_embeddings"), e3.getMessage());
  }

  @Test
  void rejectsMaskValuesOtherThanZeroOrOne() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> EncoderInput.of(1, 2, new int[] {2, 3}, new int[] {1, 2}));
    assertTrue(e.getMessage().contains("attentionMask[1]"), e.getMessage());
  }

  private static List<Parameter> replace(ParameterSet set, String name, int[] newShape) {
    List<Parameter> out = new ArrayList<>();
    for (Parameter x : set) {
      out.add(x.name().equals(name) ? Parameter.f32(name, newShape, x.toFloatArray()) : x);
    }
    return out;
  }
}
