package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link BertEncoder#forwardPair} against its definition: each half is bit for bit the single
 * {@link BertEncoder#forward} at {@code +eps} or {@code -eps}.
 */
class BertEncoderPairTest {
  private static final long SEED = 31337L;
  private static final float EPS = 1e-2f;

  /** More than 256 tokens (matrices packed once per call); widths that are not whole panels. */
  private static final BertConfig WIDE = TinyBert.config("bert", 300, 40, 2, 4, 100, 80, 2, 0);

  private static EncoderInput wideBatch() {
    return TinyBert.randomBatch(WIDE, 9, new int[] {70, 33, 64, 5, 80, 41}, true);
  }

  @Test
  void eachHalfEqualsTheSingleForwardForAnySelectionDTypeAndThreadCount() {
    List<Selector> selections =
        List.of(Selector.all(), Selector.biasOrNorm(), Selector.glob("embeddings.*"));
    for (BertConfig c : List.of(TinyBert.bert(), TinyBert.roberta(), WIDE)) {
      for (DType dtype : DType.values()) {
        ParameterSet params = TinyBert.params(c, 3, "");
        if (dtype == DType.BF16) {
          params = TinyBert.asBf16(params);
        }
        ParameterSet stored = params.copy();
        BertEncoder encoder = BertEncoder.of(c, params);
        EncoderInput in =
            c == WIDE
                ? wideBatch()
                : TinyBert.randomBatch(c, 4, new int[] {7, 3, 12, 1}, c.typeVocabSize() > 1);
        for (Selector selection : selections) {
          ParameterSet perturbed = params.select(selection);
          VirtualPerturbation plus = new VirtualPerturbation(perturbed, SEED, EPS);
          VirtualPerturbation minus = new VirtualPerturbation(perturbed, SEED, -EPS);
          float[] expectPlus = encoder.forward(in, Workers.serial(), plus);
          float[] expectMinus = encoder.forward(in, Workers.serial(), minus);
          String what = c.modelType() + " hidden " + c.hiddenSize() + " " + dtype + " " + selection;
          assertFalse(Arrays.equals(expectPlus, expectMinus), what + ": +eps and -eps agree");
          for (int threads : new int[] {1, 2, 8}) {
            try (Workers w = Workers.of(threads)) {
              float[][] got = encoder.forwardPair(in, w, plus);
              assertEquals(2, got.length);
              assertArrayEquals(expectPlus, got[0], what + ", " + threads + " threads, plus");
              assertArrayEquals(expectMinus, got[1], what + ", " + threads + " threads, minus");
            }
          }
          assertTrue(params.contentEquals(stored), what + ": stored weights changed");
        }
      }
    }
  }

  @Test
  void withoutNoiseBothHalvesAreThePlainPass() {
    ParameterSet params = TinyBert.params(WIDE, 6, "");
    BertEncoder encoder = BertEncoder.of(WIDE, params);
    EncoderInput in = wideBatch();
    float[] plain = encoder.forward(in, Workers.serial());
    float[][] pair = encoder.forwardPair(in, Workers.serial(), VirtualPerturbation.none());
    assertArrayEquals(plain, pair[0]);
    assertArrayEquals(plain, pair[1]);
  }

  @Test
  void rejectsOutOfRangeIdsLikeForward() {
    BertConfig c = TinyBert.bert();
    BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 1, ""));
    EncoderInput in = TinyBert.randomBatch(c, 4, new int[] {3, 2}, false);
    in.inputIds()[1] = c.vocabSize();
    VirtualPerturbation vp = new VirtualPerturbation(encoder.parameters(), SEED, EPS);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> encoder.forwardPair(in, Workers.serial(), vp));
    assertTrue(e.getMessage().contains("inputIds[1]"), e.getMessage());
  }
}
