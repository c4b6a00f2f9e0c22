package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small random BERT-family models for unit tests. */
final class TinyBert {
  private TinyBert() {}

  static BertConfig config(
      String modelType,
      int vocab,
      int hidden,
      int layers,
      int heads,
      int intermediate,
      int maxPositions,
      int typeVocab,
      int padId) {
    return new BertConfig(
        modelType,
        List.of(),
        vocab,
        hidden,
        layers,
        heads,
        intermediate,
        "gelu",
        maxPositions,
        typeVocab,
        1e-12,
        padId,
        Map.of());
  }

  /** A two-layer BERT with two token types: hidden 16, 2 heads, intermediate 40. */
  static BertConfig bert() {
    return config("bert", 50, 16, 2, 2, 40, 32, 2, 0);
  }

  /** A two-layer RoBERTa: one token type, pad id 1 (positions start at 2). */
  static BertConfig roberta() {
    return config("roberta", 50, 16, 2, 2, 40, 40, 1, 1);
  }

  /** Random weights with HF names under {@code prefix}; LayerNorm gains near 1. */
  static ParameterSet params(BertConfig c, long seed, String prefix) {
    SplittableRandom r = new SplittableRandom(seed);
    int h = c.hiddenSize();
    int inter = c.intermediateSize();
    List<Parameter> ps = new ArrayList<>();
    ps.add(random(r, prefix + "embeddings.word_embeddings.weight", 0.5f, c.vocabSize(), h));
    ps.add(
        random(
            r,
            prefix + "embeddings.position_embeddings.weight",
            0.5f,
            c.maxPositionEmbeddings(),
            h));
    ps.add(
        random(r, prefix + "embeddings.token_type_embeddings.weight", 0.5f, c.typeVocabSize(), h));
    norm(r, ps, prefix + "embeddings.LayerNorm.", h);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String lp = prefix + "encoder.layer." + l + ".";
      linear(r, ps, lp + "attention.self.query.", h, h);
      linear(r, ps, lp + "attention.self.key.", h, h);
      linear(r, ps, lp + "attention.self.value.", h, h);
      linear(r, ps, lp + "attention.output.dense.", h, h);
      norm(r, ps, lp + "attention.output.LayerNorm.", h);
      linear(r, ps, lp + "intermediate.dense.", inter, h);
      linear(r, ps, lp + "output.dense.", h, inter);
      norm(r, ps, lp + "output.LayerNorm.", h);
    }
    return ParameterSet.of(ps);
  }

  private static void linear(SplittableRandom r, List<Parameter> ps, String name, int out, int in) {
    float scale = (float) (1.5 / Math.sqrt(in));
    ps.add(random(r, name + "weight", scale, out, in));
    ps.add(random(r, name + "bias", 0.1f, out));
  }

  private static void norm(SplittableRandom r, List<Parameter> ps, String name, int h) {
    Parameter gamma = random(r, name + "weight", 0.1f, h);
    float[] g = gamma.f32Data();
    for (int i = 0; i < h; i++) {
      g[i] += 1;
    }
    ps.add(gamma);
    ps.add(random(r, name + "bias", 0.1f, h));
  }

  static Parameter random(SplittableRandom r, String name, float scale, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] data = new float[n];
    for (int i = 0; i < n; i++) {
      data[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return Parameter.f32(name, shape, data);
  }

  /** {@code f32}'s parameters stored as bf16 (rounded to nearest). */
  static ParameterSet asBf16(ParameterSet f32) {
    List<Parameter> list = new ArrayList<>();
    for (Parameter p : f32) {
      list.add(Parameter.of(p.name(), DType.BF16, p.shape(), p.toFloatArray()));
    }
    return ParameterSet.of(list);
  }

  /** Random ids in [2, vocab) (avoiding pad ids 0 and 1), lengths as given, right-padded. */
  static EncoderInput randomBatch(BertConfig c, long seed, int[] lengths, boolean pairs) {
    SplittableRandom r = new SplittableRandom(seed);
    int[][] seqs = new int[lengths.length][];
    int[][] types = new int[lengths.length][];
    for (int b = 0; b < lengths.length; b++) {
      seqs[b] = new int[lengths[b]];
      types[b] = new int[lengths[b]];
      for (int t = 0; t < lengths[b]; t++) {
        seqs[b][t] = 2 + r.nextInt(c.vocabSize() - 2);
        types[b][t] = pairs && t >= lengths[b] / 2 ? 1 : 0;
      }
    }
    return EncoderInput.padded(seqs, types, c.padTokenId());
  }

  /** Max |a - b| over the real (mask = 1) positions of {@code [batch, seq, dim]} arrays. */
  static double maxDiffReal(float[] a, double[] b, EncoderInput in, int dim) {
    double max = 0;
    for (int t = 0; t < in.positions(); t++) {
      if (in.attentionMask()[t] == 1) {
        for (int j = 0; j < dim; j++) {
          max = Math.max(max, Math.abs(a[t * dim + j] - b[t * dim + j]));
        }
      }
    }
    return max;
  }

  /** Sequence {@code b} of a padded batch on its own, unpadded. */
  static EncoderInput single(EncoderInput in, int b) {
    int len = in.length(b);
    int s = in.seq();
    int[] ids = Arrays.copyOfRange(in.inputIds(), b * s, b * s + len);
    int[] types = Arrays.copyOfRange(in.tokenTypeIds(), b * s, b * s + len);
    int[] mask = new int[len];
    Arrays.fill(mask, 1);
    return new EncoderInput(1, len, ids, mask, types);
  }
}
