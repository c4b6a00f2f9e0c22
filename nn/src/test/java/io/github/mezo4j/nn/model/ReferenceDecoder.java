package io.github.mezo4j.nn.model;

import java.util.Map;

/**
 * A naive double-precision forward pass of one unpadded sequence, written from the Hugging Face
 * modeling code of each family (LlamaModel/Qwen2Model, OPTDecoder, GPT2Model) and reading the raw
 * tensors in their on-disk layouts (GPT-2's Conv1D as {@code x @ W} with W [in, out]). It shares no
 * code with the engine or the loader, so agreement checks names, layouts, positions and the
 * architecture details of both.
 */
final class ReferenceDecoder {
  private ReferenceDecoder() {}

  /** Logits [seq][vocab] of a Qwen2/Llama model. */
  static double[][] llama(
      Map<String, float[]> w,
      int[] ids,
      int hidden,
      int heads,
      int kvHeads,
      int inter,
      int vocab,
      int layers,
      double eps,
      double theta,
      boolean qkvBias) {
    int hd = hidden / heads;
    double[][] x = embed(w.get("model.embed_tokens.weight"), ids, hidden);
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      double[][] n = rms(x, w.get(p + "input_layernorm.weight"), eps);
      double[][] q =
          linear(
              n,
              w.get(p + "self_attn.q_proj.weight"),
              bias(w, p + "self_attn.q_proj.bias", qkvBias),
              heads * hd);
      double[][] k =
          linear(
              n,
              w.get(p + "self_attn.k_proj.weight"),
              bias(w, p + "self_attn.k_proj.bias", qkvBias),
              kvHeads * hd);
      double[][] v =
          linear(
              n,
              w.get(p + "self_attn.v_proj.weight"),
              bias(w, p + "self_attn.v_proj.bias", qkvBias),
              kvHeads * hd);
      rotateHalf(q, heads, hd, theta);
      rotateHalf(k, kvHeads, hd, theta);
      double[][] ctx = attention(q, k, v, heads, kvHeads, hd);
      add(x, linear(ctx, w.get(p + "self_attn.o_proj.weight"), null, hidden));
      n = rms(x, w.get(p + "post_attention_layernorm.weight"), eps);
      double[][] gate = linear(n, w.get(p + "mlp.gate_proj.weight"), null, inter);
      double[][] up = linear(n, w.get(p + "mlp.up_proj.weight"), null, inter);
      for (int t = 0; t < gate.length; t++) {
        for (int i = 0; i < inter; i++) {
          double g = gate[t][i];
          gate[t][i] = g / (1 + Math.exp(-g)) * up[t][i];
        }
      }
      add(x, linear(gate, w.get(p + "mlp.down_proj.weight"), null, hidden));
    }
    x = rms(x, w.get("model.norm.weight"), eps);
    return linear(x, w.get("lm_head.weight"), null, vocab);
  }

  /**
   * Logits of an OPT model (pre-norm with final norm, or opt-350m's post-norm with projections).
   */
  static double[][] opt(
      Map<String, float[]> w,
      int[] ids,
      int hidden,
      int embedDim,
      int heads,
      int ffn,
      int vocab,
      int layers,
      boolean preNorm) {
    String p = "model.decoder.";
    double eps = 1e-5;
    double[][] x = embed(w.get(p + "embed_tokens.weight"), ids, embedDim);
    if (embedDim != hidden) {
      x = linear(x, w.get(p + "project_in.weight"), null, hidden);
    }
    double[][] pos =
        embed(w.get(p + "embed_positions.weight"), offsetPositions(ids.length), hidden);
    add(x, pos);
    for (int l = 0; l < layers; l++) {
      String q = p + "layers." + l + ".";
      String a = q + "self_attn.";
      double[][] n = preNorm ? layerNorm(x, w, q + "self_attn_layer_norm.", eps) : x;
      double[][] qq = linear(n, w.get(a + "q_proj.weight"), w.get(a + "q_proj.bias"), hidden);
      double[][] kk = linear(n, w.get(a + "k_proj.weight"), w.get(a + "k_proj.bias"), hidden);
      double[][] vv = linear(n, w.get(a + "v_proj.weight"), w.get(a + "v_proj.bias"), hidden);
      double[][] ctx = attention(qq, kk, vv, heads, heads, hidden / heads);
      add(x, linear(ctx, w.get(a + "out_proj.weight"), w.get(a + "out_proj.bias"), hidden));
      if (!preNorm) {
        x = layerNorm(x, w, q + "self_attn_layer_norm.", eps);
      }
      n = preNorm ? layerNorm(x, w, q + "final_layer_norm.", eps) : x;
      double[][] f = linear(n, w.get(q + "fc1.weight"), w.get(q + "fc1.bias"), ffn);
      for (double[] row : f) {
        for (int i = 0; i < row.length; i++) {
          row[i] = Math.max(0, row[i]);
        }
      }
      add(x, linear(f, w.get(q + "fc2.weight"), w.get(q + "fc2.bias"), hidden));
      if (!preNorm) {
        x = layerNorm(x, w, q + "final_layer_norm.", eps);
      }
    }
    if (preNorm) {
      x = layerNorm(x, w, p + "final_layer_norm.", eps);
    }
    if (embedDim != hidden) {
      x = linear(x, w.get(p + "project_out.weight"), null, embedDim);
    }
    return linear(x, w.get(p + "embed_tokens.weight"), null, vocab);
  }

  /** Logits of a GPT-2 model; its projection weights are Conv1D [in, out]. */
  static double[][] gpt2(
      Map<String, float[]> w, int[] ids, int hidden, int heads, int vocab, int layers) {
    String p = "transformer.";
    double eps = 1e-5;
    double[][] x = embed(w.get(p + "wte.weight"), ids, hidden);
    int[] pos = new int[ids.length];
    for (int t = 0; t < pos.length; t++) {
      pos[t] = t;
    }
    add(x, embed(w.get(p + "wpe.weight"), pos, hidden));
    for (int l = 0; l < layers; l++) {
      String q = p + "h." + l + ".";
      double[][] n = layerNorm(x, w, q + "ln_1.", eps);
      double[][] qkv =
          conv1d(n, w.get(q + "attn.c_attn.weight"), w.get(q + "attn.c_attn.bias"), 3 * hidden);
      double[][] qq = new double[ids.length][hidden];
      double[][] kk = new double[ids.length][hidden];
      double[][] vv = new double[ids.length][hidden];
      for (int t = 0; t < ids.length; t++) {
        System.arraycopy(qkv[t], 0, qq[t], 0, hidden);
        System.arraycopy(qkv[t], hidden, kk[t], 0, hidden);
        System.arraycopy(qkv[t], 2 * hidden, vv[t], 0, hidden);
      }
      double[][] ctx = attention(qq, kk, vv, heads, heads, hidden / heads);
      add(x, conv1d(ctx, w.get(q + "attn.c_proj.weight"), w.get(q + "attn.c_proj.bias"), hidden));
      n = layerNorm(x, w, q + "ln_2.", eps);
      double[][] f =
          conv1d(n, w.get(q + "mlp.c_fc.weight"), w.get(q + "mlp.c_fc.bias"), 4 * hidden);
      for (double[] row : f) {
        for (int i = 0; i < row.length; i++) {
          double v = row[i];
          row[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        }
      }
      add(x, conv1d(f, w.get(q + "mlp.c_proj.weight"), w.get(q + "mlp.c_proj.bias"), hidden));
    }
    x = layerNorm(x, w, p + "ln_f.", eps);
    return linear(x, w.get(p + "wte.weight"), null, vocab);
  }

  private static int[] offsetPositions(int n) {
    int[] pos = new int[n];
    for (int t = 0; t < n; t++) {
      pos[t] = t + 2; // OPTLearnedPositionalEmbedding's offset
    }
    return pos;
  }

  private static float[] bias(Map<String, float[]> w, String name, boolean present) {
    return present ? w.get(name) : null;
  }

  private static double[][] embed(float[] table, int[] ids, int dim) {
    double[][] x = new double[ids.length][dim];
    for (int t = 0; t < ids.length; t++) {
      for (int c = 0; c < dim; c++) {
        x[t][c] = table[ids[t] * dim + c];
      }
    }
    return x;
  }

  /** x @ W^T + b with W [out, in] (nn.Linear). */
  private static double[][] linear(double[][] x, float[] weight, float[] bias, int out) {
    int in = x[0].length;
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double s = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          s += x[t][i] * weight[o * in + i];
        }
        y[t][o] = s;
      }
    }
    return y;
  }

  /** x @ W + b with W [in, out] (transformers' Conv1D). */
  private static double[][] conv1d(double[][] x, float[] weight, float[] bias, int out) {
    int in = x[0].length;
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double s = bias[o];
        for (int i = 0; i < in; i++) {
          s += x[t][i] * weight[i * out + o];
        }
        y[t][o] = s;
      }
    }
    return y;
  }

  private static void add(double[][] x, double[][] y) {
    for (int t = 0; t < x.length; t++) {
      for (int c = 0; c < x[t].length; c++) {
        x[t][c] += y[t][c];
      }
    }
  }

  private static double[][] rms(double[][] x, float[] weight, double eps) {
    double[][] y = new double[x.length][x[0].length];
    for (int t = 0; t < x.length; t++) {
      double ss = 0;
      for (double v : x[t]) {
        ss += v * v;
      }
      double inv = 1 / Math.sqrt(ss / x[t].length + eps);
      for (int c = 0; c < x[t].length; c++) {
        y[t][c] = x[t][c] * inv * weight[c];
      }
    }
    return y;
  }

  private static double[][] layerNorm(double[][] x, Map<String, float[]> w, String p, double eps) {
    float[] g = w.get(p + "weight");
    float[] b = w.get(p + "bias");
    double[][] y = new double[x.length][x[0].length];
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
      for (int c = 0; c < x[t].length; c++) {
        y[t][c] = (x[t][c] - mean) / Math.sqrt(var + eps) * g[c] + b[c];
      }
    }
    return y;
  }

  /** transformers' apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, position = index. */
  private static void rotateHalf(double[][] x, int heads, int hd, double theta) {
    int half = hd / 2;
    for (int t = 0; t < x.length; t++) {
      for (int h = 0; h < heads; h++) {
        double[] v = new double[hd];
        System.arraycopy(x[t], h * hd, v, 0, hd);
        for (int i = 0; i < hd; i++) {
          double angle = t / Math.pow(theta, 2.0 * (i % half) / hd);
          double rotated = i < half ? -v[i + half] : v[i - half];
          x[t][h * hd + i] = v[i] * Math.cos(angle) + rotated * Math.sin(angle);
        }
      }
    }
  }

  /** Causal softmax(q k^T / sqrt(hd)) v, query head h reading kv head h / (heads / kvHeads). */
  private static double[][] attention(
      double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int hd) {
    int n = q.length;
    double[][] out = new double[n][heads * hd];
    for (int h = 0; h < heads; h++) {
      int kh = h / (heads / kvHeads);
      for (int t = 0; t < n; t++) {
        double[] s = new double[t + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= t; j++) {
          double dot = 0;
          for (int d = 0; d < hd; d++) {
            dot += q[t][h * hd + d] * k[j][kh * hd + d];
          }
          s[j] = dot / Math.sqrt(hd);
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j <= t; j++) {
          s[j] = Math.exp(s[j] - max);
          sum += s[j];
        }
        for (int d = 0; d < hd; d++) {
          double acc = 0;
          for (int j = 0; j <= t; j++) {
            acc += s[j] / sum * v[j][kh * hd + d];
          }
          out[t][h * hd + d] = acc;
        }
      }
    }
    return out;
  }
}
