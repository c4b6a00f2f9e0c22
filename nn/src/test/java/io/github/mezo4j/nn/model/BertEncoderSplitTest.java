package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The split forward pass ({@link BertEncoder#forwardPrefixInto} then {@link
 * BertEncoder#forwardFromInto} / {@link BertEncoder#forwardFromPairInto}) against the single one,
 * bit for bit; the padding independence of real tokens' hidden states that {@link
 * FrozenPrefixCache} relies on; and the cache itself.
 */
class BertEncoderSplitTest {
  private static final int LAYERS = 4;

  /** A four-layer BERT (hidden 16, 2 heads), and a RoBERTa (positions from the ids). */
  private static List<BertConfig> configs() {
    return List.of(
        TinyBert.config("bert", 50, 16, LAYERS, 2, 40, 32, 2, 0),
        TinyBert.config("roberta", 50, 16, LAYERS, 2, 40, 40, 1, 1));
  }

  private static EncoderInput batch(BertConfig c, long seed) {
    // lengths that put sequences at several offsets of the kernels' row tiles
    return TinyBert.randomBatch(c, seed, new int[] {7, 3, 12, 1, 9}, c.typeVocabSize() > 1);
  }

  /** The weights of layers {@code >= from} (what a top:K run perturbs). */
  private static ParameterSet layersFrom(ParameterSet all, int from) {
    List<Parameter> list = new ArrayList<>();
    for (Parameter p : all) {
      for (int i = from; i < LAYERS; i++) {
        if (p.name().startsWith("encoder.layer." + i + ".")) {
          list.add(p);
        }
      }
    }
    return ParameterSet.of(list);
  }

  @Test
  void prefixThenLayersFromEqualsTheWholePassForNZeroThreeAndAll() {
    for (BertConfig c : configs()) {
      ParameterSet params = TinyBert.params(c, 9, "");
      BertEncoder encoder = BertEncoder.of(c, params);
      assertEquals(LAYERS, encoder.layerCount());
      EncoderInput in = batch(c, 4);
      int size = in.positions() * c.hiddenSize();
      for (int threads : new int[] {1, 2}) {
        Workers w = Workers.of(threads);
        for (int n : new int[] {0, 3, LAYERS}) {
          // unperturbed, and perturbed in the layers from n (the embeddings and below: frozen)
          VirtualPerturbation plus = new VirtualPerturbation(layersFrom(params, n), 31, 1e-2f);
          VirtualPerturbation minus = new VirtualPerturbation(plus.perturbed(), 31, -1e-2f);
          for (VirtualPerturbation vp : List.of(VirtualPerturbation.none(), plus)) {
            float[] whole = new float[size];
            encoder.forwardInto(in, w, vp, whole);
            float[] split = new float[size];
            encoder.forwardPrefixInto(in, n, w, split);
            encoder.forwardFromInto(in, n, w, vp, split);
            assertArrayEquals(whole, split, c.modelType() + " n=" + n + " " + vp);
          }
          // paired: both halves from the same given states, as forwardPairInto's halves
          float[][] pair = encoder.forwardPair(in, w, plus);
          float[] given = new float[size];
          encoder.forwardPrefixInto(in, n, w, given);
          float[] outPlus = new float[size];
          float[] outMinus = new float[size];
          encoder.forwardFromPairInto(in, n, w, plus, given, outPlus, outMinus);
          assertArrayEquals(pair[0], outPlus, c.modelType() + " n=" + n + " +");
          assertArrayEquals(pair[1], outMinus, c.modelType() + " n=" + n + " -");
          assertArrayEquals(encoder.forward(in, w, minus), outMinus);
          // the given states may be one of the outputs
          float[] inPlace = given.clone();
          Arrays.fill(outMinus, Float.NaN);
          encoder.forwardFromPairInto(in, n, w, plus, inPlace, inPlace, outMinus);
          assertArrayEquals(pair[0], inPlace);
          assertArrayEquals(pair[1], outMinus);
        }
      }
    }
  }

  @Test
  void realTokensDoNotDependOnPaddingOrNeighbours() {
    for (BertConfig c : configs()) {
      BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 10, ""));
      EncoderInput in = batch(c, 5);
      int h = c.hiddenSize();
      Workers w = Workers.of(2);
      float[] padded = encoder.forward(in, w);
      for (int b = 0; b < in.batch(); b++) {
        float[] alone = encoder.forward(TinyBert.single(in, b), w);
        int o = b * in.seq() * h;
        assertArrayEquals(
            alone,
            Arrays.copyOfRange(padded, o, o + alone.length),
            c.modelType() + ": sequence " + b + " alone vs in the padded batch");
      }
    }
  }

  @Test
  void cacheGivesTheWholePassAtRealTokensAndRefusesPerturbedFrozenWeights() {
    for (BertConfig c : configs()) {
      ParameterSet params = TinyBert.params(c, 11, "");
      BertEncoder encoder = BertEncoder.of(c, params);
      int h = c.hiddenSize();
      List<String> warnings = new ArrayList<>();
      FrozenPrefixCache cache = new FrozenPrefixCache(encoder, 3, 1 << 20, warnings::add);
      VirtualPerturbation plus = new VirtualPerturbation(layersFrom(params, 3), 8, 1e-2f);
      // the second batch shares sequences 0 and 2 with the first, in other buckets and padding
      EncoderInput first = batch(c, 6);
      EncoderInput second =
          EncoderInput.padded(
              new int[][] {row(first, 2), row(first, 0), {5, 6}},
              new int[][] {
                types(first, 2), types(first, 0), {0, 0},
              },
              c.padTokenId());
      for (EncoderInput in : List.of(first, second, first)) {
        for (int threads : new int[] {1, 2}) {
          Workers w = Workers.of(threads);
          float[] expected = encoder.forward(in, w, plus);
          float[] got = new float[in.positions() * h];
          cache.forwardInto(in, w, plus, got);
          assertRealEqual(expected, got, in, h);
          float[][] pair = encoder.forwardPair(in, w, plus);
          float[] gotPlus = new float[got.length];
          float[] gotMinus = new float[got.length];
          cache.forwardPairInto(in, w, plus, gotPlus, gotMinus);
          assertRealEqual(pair[0], gotPlus, in, h);
          assertRealEqual(pair[1], gotMinus, in, h);
        }
      }
      // 5 + 1 distinct sequences, tokens * hidden * 4 bytes
      assertEquals(6, cache.sequences());
      assertEquals((7 + 3 + 12 + 1 + 9 + 2) * h * 4L, cache.bytes());
      assertTrue(warnings.isEmpty(), warnings.toString());

      VirtualPerturbation frozen = new VirtualPerturbation(params, 8, 1e-2f);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> cache.forwardInto(first, Workers.serial(), frozen, new float[10_000]));
      assertTrue(e.getMessage().contains("embeddings.word_embeddings.weight"), e.getMessage());
    }
  }

  @Test
  void aFullCacheWarnsOnceAndRecomputesWithTheSameBits() {
    BertConfig c = configs().getFirst();
    BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 12, ""));
    int h = c.hiddenSize();
    List<String> warnings = new ArrayList<>();
    // room for the 7- and 3-token sequences only (they come first in the batch)
    FrozenPrefixCache cache = new FrozenPrefixCache(encoder, 2, 10L * h * 4, warnings::add);
    EncoderInput in = batch(c, 7);
    float[] expected = encoder.forward(in, Workers.serial());
    for (int pass = 0; pass < 3; pass++) {
      float[] got = new float[in.positions() * h];
      cache.forwardInto(in, Workers.serial(), VirtualPerturbation.none(), got);
      assertRealEqual(expected, got, in, h);
    }
    assertEquals(2, cache.sequences());
    assertEquals(10L * h * 4, cache.bytes());
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.getFirst().contains("full"), warnings.getFirst());
  }

  @Test
  void layerIndicesOutOfRangeAreRefusedByName() {
    BertConfig c = configs().getFirst();
    BertEncoder encoder = BertEncoder.of(c, TinyBert.params(c, 13, ""));
    EncoderInput in = batch(c, 8);
    float[] out = new float[in.positions() * c.hiddenSize()];
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> encoder.forwardPrefixInto(in, LAYERS + 1, Workers.serial(), out));
    assertTrue(e.getMessage().contains("layerCount is 5; expected 0 to 4"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                encoder.forwardFromInto(in, -1, Workers.serial(), VirtualPerturbation.none(), out));
    assertTrue(e.getMessage().contains("fromLayer is -1"), e.getMessage());
  }

  private static int[] row(EncoderInput in, int b) {
    return Arrays.copyOfRange(in.inputIds(), b * in.seq(), b * in.seq() + in.length(b));
  }

  private static int[] types(EncoderInput in, int b) {
    return Arrays.copyOfRange(in.tokenTypeIds(), b * in.seq(), b * in.seq() + in.length(b));
  }

  /** Equal bits at every real position (padded ones differ: the cache zeroes them). */
  private static void assertRealEqual(float[] expected, float[] got, EncoderInput in, int h) {
    for (int t = 0; t < in.positions(); t++) {
      if (in.attentionMask()[t] == 1) {
        assertArrayEquals(
            Arrays.copyOfRange(expected, t * h, (t + 1) * h),
            Arrays.copyOfRange(got, t * h, (t + 1) * h),
            "position " + t);
      }
    }
  }
}
