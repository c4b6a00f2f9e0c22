package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.param.ParameterSet;

/**
 * A deliberately naive BERT forward pass in double precision, written straight from the Hugging
 * Face modelling code (BertEmbeddings, BertSelfAttention with an additive -inf mask,
 * BertSelfOutput, BertIntermediate with exact-erf GELU, BertOutput), for checking {@link
 * BertEncoder}. No kernels, no tricks: loops over every index.
 */
final class ReferenceBert {
  private ReferenceBert() {}

  /** Last hidden states {@code [batch, seq, hidden]} given explicit position ids. */
  static double[] forward(
      BertConfig c, ParameterSet p, String prefix, EncoderInput in, int[] positionIds) {
    int h = c.hiddenSize();
    int n = in.positions();
    double[] x = new double[n * h];
    float[] word = p.get(prefix + "embeddings.word_embeddings.weight").toFloatArray();
    float[] pos = p.get(prefix + "embeddings.position_embeddings.weight").toFloatArray();
    float[] type = p.get(prefix + "embeddings.token_type_embeddings.weight").toFloatArray();
    for (int t = 0; t < n; t++) {
      for (int j = 0; j < h; j++) {
        x[t * h + j] =
            word[in.inputIds()[t] * h + j]
                + type[in.tokenTypeIds()[t] * h + j]
                + pos[positionIds[t] * h + j];
      }
    }
    layerNorm(x, n, h, p, prefix + "embeddings.LayerNorm.", c.layerNormEps());
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String lp = prefix + "encoder.layer." + l + ".";
      double[] q = linear(x, n, h, p, lp + "attention.self.query.", h);
      double[] k = linear(x, n, h, p, lp + "attention.self.key.", h);
      double[] v = linear(x, n, h, p, lp + "attention.self.value.", h);
      double[] ctx = attention(c, in, q, k, v);
      double[] ao = linear(ctx, n, h, p, lp + "attention.output.dense.", h);
      for (int i = 0; i < n * h; i++) {
        ao[i] += x[i];
      }
      layerNorm(ao, n, h, p, lp + "attention.output.LayerNorm.", c.layerNormEps());
      x = ao;
      int inter = c.intermediateSize();
      double[] mid = linear(x, n, h, p, lp + "intermediate.dense.", inter);
      for (int i = 0; i < mid.length; i++) {
        mid[i] = 0.5 * mid[i] * (1 + erf(mid[i] / Math.sqrt(2)));
      }
      double[] out = linear(mid, n, inter, p, lp + "output.dense.", h);
      for (int i = 0; i < n * h; i++) {
        out[i] += x[i];
      }
      layerNorm(out, n, h, p, lp + "output.LayerNorm.", c.layerNormEps());
      x = out;
    }
    return x;
  }

  private static double[] attention(
      BertConfig c, EncoderInput in, double[] q, double[] k, double[] v) {
    int h = c.hiddenSize();
    int heads = c.numAttentionHeads();
    int d = h / heads;
    int s = in.seq();
    double[] out = new double[in.positions() * h];
    for (int b = 0; b < in.batch(); b++) {
      for (int head = 0; head < heads; head++) {
        for (int i = 0; i < s; i++) {
          double[] score = new double[s];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < s; j++) {
            if (in.attentionMask()[b * s + j] == 0) {
              score[j] = Double.NEGATIVE_INFINITY;
              continue;
            }
            double dot = 0;
            for (int e = 0; e < d; e++) {
              dot += q[(b * s + i) * h + head * d + e] * k[(b * s + j) * h + head * d + e];
            }
            score[j] = dot / Math.sqrt(d);
            max = Math.max(max, score[j]);
          }
          double sum = 0;
          for (int j = 0; j < s; j++) {
            score[j] = Math.exp(score[j] - max);
            sum += score[j];
          }
          for (int e = 0; e < d; e++) {
            double acc = 0;
            for (int j = 0; j < s; j++) {
              acc += score[j] / sum * v[(b * s + j) * h + head * d + e];
            }
            out[(b * s + i) * h + head * d + e] = acc;
          }
        }
      }
    }
    return out;
  }

  private static double[] linear(
      double[] x, int rows, int in, ParameterSet p, String name, int outWidth) {
    float[] w = p.get(name + "weight").toFloatArray();
    float[] bias = p.get(name + "bias").toFloatArray();
    double[] y = new double[rows * outWidth];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < outWidth; o++) {
        double acc = bias[o];
        for (int i = 0; i < in; i++) {
          acc += x[r * in + i] * w[o * in + i];
        }
        y[r * outWidth + o] = acc;
      }
    }
    return y;
  }

  private static void layerNorm(
      double[] x, int rows, int cols, ParameterSet p, String name, double eps) {
    float[] gamma = p.get(name + "weight").toFloatArray();
    float[] beta = p.get(name + "bias").toFloatArray();
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int j = 0; j < cols; j++) {
        mean += x[r * cols + j];
      }
      mean /= cols;
      double var = 0;
      for (int j = 0; j < cols; j++) {
        double dev = x[r * cols + j] - mean;
        var += dev * dev;
      }
      var /= cols;
      double inv = 1 / Math.sqrt(var + eps);
      for (int j = 0; j < cols; j++) {
        x[r * cols + j] = (x[r * cols + j] - mean) * inv * gamma[j] + beta[j];
      }
    }
  }

  /** erf by its Maclaurin series (|x| < 3) or continued-fraction tail: accurate to ~1e-15. */
  static double erf(double x) {
    double a = Math.abs(x);
    double r;
    if (a < 3) {
      // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
      double term = a;
      double sum = a;
      for (int n = 1; n < 200; n++) {
        term *= -a * a / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
          break;
        }
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
      double f = a;
      for (int n = 60; n >= 1; n--) {
        f = a + (n / 2.0) / f;
      }
      r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
    return x < 0 ? -r : r;
  }
}
