package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link BertEncoder#forwardInto} and {@link BertEncoder#forwardPairInto}: the bits of {@link
 * BertEncoder#forward} / {@link BertEncoder#forwardPair} in the caller's buffers, whatever those
 * held before, with the floats past the hidden states untouched; wrong buffers are refused before
 * anything is written.
 */
class BertEncoderIntoTest {
  private static final float SENTINEL = -7.25f;

  /** A buffer of {@code n} floats of garbage (NaN, infinities) and {@code extra} sentinels. */
  private static float[] dirty(int n, int extra) {
    float[] b = new float[n + extra];
    for (int i = 0; i < n; i++) {
      b[i] = i % 3 == 0 ? Float.NaN : i % 3 == 1 ? Float.POSITIVE_INFINITY : 1e30f;
    }
    Arrays.fill(b, n, n + extra, SENTINEL);
    return b;
  }

  private static void assertHolds(float[] expected, float[] buffer, String what) {
    assertArrayEquals(expected, Arrays.copyOf(buffer, expected.length), what);
    for (int i = expected.length; i < buffer.length; i++) {
      assertEquals(SENTINEL, buffer[i], what + ": float " + i + " past the hidden states written");
    }
  }

  @Test
  void buffersGetTheBitsOfTheAllocatingCallsForAnyShapeDTypeAndThreadCount() {
    for (BertConfig c : List.of(TinyBert.bert(), TinyBert.roberta())) {
      for (DType dtype : DType.values()) {
        ParameterSet params = TinyBert.params(c, 5, "");
        if (dtype == DType.BF16) {
          params = TinyBert.asBf16(params);
        }
        BertEncoder encoder = BertEncoder.of(c, params);
        boolean pairs = c.typeVocabSize() > 1;
        // the larger shape first: one buffer then serves the smaller one too
        List<EncoderInput> inputs =
            List.of(
                TinyBert.randomBatch(c, 4, new int[] {7, 3, 12, 1}, pairs),
                TinyBert.randomBatch(c, 8, new int[] {5, 2}, pairs));
        int largest = inputs.get(0).positions() * c.hiddenSize();
        for (VirtualPerturbation vp :
            List.of(VirtualPerturbation.none(), new VirtualPerturbation(params, 77, 1e-2f))) {
          for (int threads : new int[] {1, 3}) {
            String what = c.modelType() + " " + dtype + " scale " + vp.scale() + ", " + threads;
            float[] out = dirty(largest, 5);
            float[] plus = dirty(largest, 3);
            float[] minus = dirty(largest, 3);
            try (Workers w = Workers.of(threads)) {
              for (EncoderInput in : inputs) {
                int n = in.positions() * c.hiddenSize();
                Arrays.fill(out, n, out.length, SENTINEL);
                Arrays.fill(plus, n, plus.length, SENTINEL);
                Arrays.fill(minus, n, minus.length, SENTINEL);
                float[] expected = encoder.forward(in, Workers.serial(), vp);
                encoder.forwardInto(in, w, vp, out);
                assertHolds(expected, out, what + " threads, forwardInto");

                float[][] pair = encoder.forwardPair(in, Workers.serial(), vp);
                encoder.forwardPairInto(in, w, vp, plus, minus);
                assertHolds(pair[0], plus, what + " threads, forwardPairInto plus");
                assertHolds(pair[1], minus, what + " threads, forwardPairInto minus");
              }
            }
          }
        }
      }
    }
  }

  @Test
  void wrongBuffersAreRefusedWithTheSizesBeforeAnythingIsWritten() {
    BertConfig c = TinyBert.bert();
    BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 5, ""));
    EncoderInput in = TinyBert.randomBatch(c, 4, new int[] {7, 3}, false);
    int n = in.positions() * c.hiddenSize();
    VirtualPerturbation none = VirtualPerturbation.none();
    Workers serial = Workers.serial();

    float[] shortOut = dirty(0, n - 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> encoder.forwardInto(in, serial, none, shortOut));
    String sizes =
        "the hidden states of [batch 2, seq %d] x hidden %d need at least %d floats"
            .formatted(in.seq(), c.hiddenSize(), n);
    assertEquals("out holds " + (n - 1) + " floats; " + sizes, e.getMessage());
    assertHolds(new float[0], shortOut, "refused call");

    e =
        assertThrows(
            IllegalArgumentException.class, () -> encoder.forwardInto(in, serial, none, null));
    assertEquals("out is null; " + sizes, e.getMessage());

    float[] ok = dirty(0, n);
    float[] tooShort = dirty(0, n / 2);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> encoder.forwardPairInto(in, serial, none, ok, tooShort));
    assertTrue(e.getMessage().startsWith("outMinus holds " + n / 2 + " floats; "), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> encoder.forwardPairInto(in, serial, none, null, ok));
    assertTrue(e.getMessage().startsWith("outPlus is null; "), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> encoder.forwardPairInto(in, serial, none, ok, ok));
    assertEquals("outPlus and outMinus must be two different arrays", e.getMessage());
    assertHolds(new float[0], ok, "refused pair call");
    assertHolds(new float[0], tooShort, "refused pair call");
  }
}
