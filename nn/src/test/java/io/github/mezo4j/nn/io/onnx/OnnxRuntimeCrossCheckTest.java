package io.github.mezo4j.nn.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.BertNames;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The strongest check of the importer: a deliberately naive BERT forward pass (double precision,
 * written from the BERT paper, no shared code with the engine) over the imported weights and
 * inferred config must reproduce what ONNX Runtime computes from the original graph. A wrong name,
 * transpose, head count or epsilon would show up here.
 */
class OnnxRuntimeCrossCheckTest {

  @Test
  void naiveForwardOverImportedWeightsMatchesOnnxRuntime() throws Exception {
    byte[] onnx = MiniLm.onnxBytes();
    BertCheckpoint minilm = OnnxBertImporter.importBert(onnx, "minilm", 0);
    // [CLS] hello world , this is a test [SEP] [PAD]: ids from the MiniLM vocabulary
    long[] ids = {101, 7592, 2088, 1010, 2023, 2003, 1037, 3231, 102, 0};
    long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    long[] types = {0, 0, 0, 0, 0, 1, 1, 1, 1, 0};

    float[][][] expected;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(onnx, options);
          ai.onnxruntime.OnnxTensor idsT =
              ai.onnxruntime.OnnxTensor.createTensor(env, new long[][] {ids});
          ai.onnxruntime.OnnxTensor maskT =
              ai.onnxruntime.OnnxTensor.createTensor(env, new long[][] {mask});
          ai.onnxruntime.OnnxTensor typesT =
              ai.onnxruntime.OnnxTensor.createTensor(env, new long[][] {types});
          OrtSession.Result result =
              session.run(
                  Map.of("input_ids", idsT, "attention_mask", maskT, "token_type_ids", typesT))) {
        expected = (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
      }
    }

    assertEquals(384, expected[0][0].length);
    BertConfig config = minilm.config();
    double worst = maxDifference(forward(config, minilm.parameters(), ids, mask, types), expected);
    assertTrue(worst < 2e-4, "max |naive - onnxruntime| = " + worst);

    // the comparison is sensitive: a wrong head count is far off
    BertConfig sixHeads =
        new BertConfig(
            config.modelType(),
            config.architectures(),
            config.vocabSize(),
            config.hiddenSize(),
            config.numHiddenLayers(),
            6,
            config.intermediateSize(),
            config.hiddenAct(),
            config.maxPositionEmbeddings(),
            config.typeVocabSize(),
            config.layerNormEps(),
            config.padTokenId(),
            config.extras());
    double wrong =
        maxDifference(forward(sixHeads, minilm.parameters(), ids, mask, types), expected);
    assertTrue(wrong > 1e-2, "6 heads should not match, but differ by only " + wrong);
  }

  private static double maxDifference(double[][] actual, float[][][] expected) {
    double worst = 0;
    for (int t = 0; t < actual.length; t++) {
      for (int c = 0; c < actual[t].length; c++) {
        worst = Math.max(worst, Math.abs(actual[t][c] - expected[0][t][c]));
      }
    }
    return worst;
  }

  /** BERT encoder, one sequence, straight from the definitions, in double precision. */
  static double[][] forward(BertConfig c, ParameterSet p, long[] ids, long[] mask, long[] types) {
    int n = ids.length;
    int h = c.hiddenSize();
    double[][] x = new double[n][h];
    for (int t = 0; t < n; t++) {
      for (int j = 0; j < h; j++) {
        x[t][j] =
            p.get(BertNames.WORD_EMBEDDINGS).get((int) ids[t] * h + j)
                + p.get(BertNames.POSITION_EMBEDDINGS).get(t * h + j)
                + p.get(BertNames.TOKEN_TYPE_EMBEDDINGS).get((int) types[t] * h + j);
      }
    }
    x = layerNorm(x, p, "embeddings.LayerNorm", c.layerNormEps());
    int heads = c.numAttentionHeads();
    int d = c.headDim();
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String pre = "encoder.layer." + l + ".";
      double[][] q = linear(x, p, pre + "attention.self.query");
      double[][] k = linear(x, p, pre + "attention.self.key");
      double[][] v = linear(x, p, pre + "attention.self.value");
      double[][] ctx = new double[n][h];
      for (int head = 0; head < heads; head++) {
        for (int i = 0; i < n; i++) {
          double[] scores = new double[n];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) {
            double s = 0;
            for (int e = 0; e < d; e++) {
              s += q[i][head * d + e] * k[j][head * d + e];
            }
            scores[j] = mask[j] == 0 ? Double.NEGATIVE_INFINITY : s / Math.sqrt(d);
            max = Math.max(max, scores[j]);
          }
          double sum = 0;
          for (int j = 0; j < n; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
          }
          for (int j = 0; j < n; j++) {
            for (int e = 0; e < d; e++) {
              ctx[i][head * d + e] += scores[j] / sum * v[j][head * d + e];
            }
          }
        }
      }
      x =
          layerNorm(
              add(linear(ctx, p, pre + "attention.output.dense"), x),
              p,
              pre + "attention.output.LayerNorm",
              c.layerNormEps());
      double[][] inner = linear(x, p, pre + "intermediate.dense");
      for (double[] row : inner) {
        for (int j = 0; j < row.length; j++) {
          row[j] = 0.5 * row[j] * (1 + erf(row[j] / Math.sqrt(2)));
        }
      }
      x =
          layerNorm(
              add(linear(inner, p, pre + "output.dense"), x),
              p,
              pre + "output.LayerNorm",
              c.layerNormEps());
    }
    return x;
  }

  /** y = x Wᵀ + b with W in nn.Linear's [out, in] layout. */
  static double[][] linear(double[][] x, ParameterSet p, String module) {
    var w = p.get(module + ".weight");
    var b = p.get(module + ".bias");
    int out = w.dim(0);
    int in = w.dim(1);
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double s = b.get(o);
        for (int i = 0; i < in; i++) {
          s += x[t][i] * w.get(o * in + i);
        }
        y[t][o] = s;
      }
    }
    return y;
  }

  static double[][] add(double[][] a, double[][] b) {
    double[][] y = new double[a.length][];
    for (int t = 0; t < a.length; t++) {
      y[t] = a[t].clone();
      for (int j = 0; j < y[t].length; j++) {
        y[t][j] += b[t][j];
      }
    }
    return y;
  }

  static double[][] layerNorm(double[][] x, ParameterSet p, String module, double eps) {
    var g = p.get(module + ".weight");
    var b = p.get(module + ".bias");
    double[][] y = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      double mean = 0;
      for (double v : x[t]) {
        mean += v;
      }
      mean /= x[t].length;
      double var = 0;
      for (double v : x[t]) {
        var += (v - mean) * (v - mean);
      }
      var /= x[t].length;
      y[t] = new double[x[t].length];
      for (int j = 0; j < x[t].length; j++) {
        y[t][j] = (x[t][j] - mean) / Math.sqrt(var + eps) * g.get(j) + b.get(j);
      }
    }
    return y;
  }

  /** erf by its Maclaurin series (|x| < 3) or the asymptotic complement: ~1e-15 accurate. */
  static double erf(double x) {
    double ax = Math.abs(x);
    if (ax >= 6) {
      return Math.signum(x);
    }
    if (ax < 3) {
      double term = ax;
      double sum = ax;
      for (int k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
        term *= -ax * ax / k;
        sum += term / (2 * k + 1);
      }
      return Math.signum(x) * 2 / Math.sqrt(Math.PI) * sum;
    }
    // continued fraction for erfc, good for ax >= 3
    double f = 0;
    for (int k = 60; k >= 1; k--) {
      f = k / 2.0 / (ax + f);
    }
    double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
    return Math.signum(x) * (1 - erfc);
  }
}
