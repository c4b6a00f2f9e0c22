package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.kernels.CausalAttention;
import io.github.mezo4j.nn.kernels.DecoderActivations;
import io.github.mezo4j.nn.kernels.Elementwise;
import io.github.mezo4j.nn.kernels.Embedding;
import io.github.mezo4j.nn.kernels.LayerNorm;
import io.github.mezo4j.nn.kernels.MatMul;
import io.github.mezo4j.nn.kernels.RmsNorm;
import io.github.mezo4j.nn.kernels.RotaryEmbedding;
import io.github.mezo4j.nn.kernels.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A decoder-only transformer language model: Llama family (Llama 2/3, TinyLlama, Mistral, Qwen2,
 * llama2.c checkpoints), OPT and GPT-2, chosen by {@link DecoderConfig#family()}. Token batches in,
 * next-token logits out, with a {@link KvCache} for incremental decoding.
 *
 * <p>The weights are the {@link Parameter}s of a {@link ParameterSet} with Hugging Face tensor
 * names ({@code model.layers.0.self_attn.q_proj.weight}, {@code model.decoder.layers.0.fc1.weight},
 * {@code transformer.h.0.attn.c_attn.weight}, ...; the {@code model.}/{@code transformer.} prefix
 * may be absent). Linear weights are in {@code nn.Linear} layout {@code [out, in]}: GPT-2's Conv1D
 * weights ({@code [in, out]} on disk) are held transposed, which {@link
 * io.github.mezo4j.nn.io.DecoderFolder} does when loading and undoes when saving. Every forward
 * pass reads the parameters' live storage, f32 or bf16 (bf16 is widened exactly as it is read), so
 * in-place perturbations are seen by the next call; a {@linkplain #perturbed perturbed} view reads
 * them as {@code theta + scale * z} instead, writing nothing (MeZO's virtual perturbation).
 *
 * <p>Positions count the valid tokens of each row, so a padded sequence (either side) gets exactly
 * the results it gets alone. Results are bit-identical for any number of threads. Instances are
 * immutable; concurrent calls need separate caches.
 *
 * <p>For scoring (per-token log-probabilities, candidate answers) see {@link SequenceScorer}; for
 * text generation see {@link Generator}.
 */
public final class DecoderModel {
  private final DecoderConfig config;
  private final int hidden;
  private final int embedDim;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final int qDim;
  private final int kvDim;
  private final int inter;
  private final float eps;
  private final double[] inverseFrequencies; // rotary, Llama family only
  private final Parameter embed; // [vocab, embedDim]
  private final Parameter
      positionTable; // OPT [maxPositions + 2, hidden], GPT-2 [maxPositions, hidden]
  private final Parameter projectIn; // OPT [hidden, embedDim] or null
  private final Parameter projectOut; // OPT [embedDim, hidden] or null
  private final Norm finalNorm; // null for OPT-350m (post-norm has no final norm)
  private final Parameter head; // [vocab, embedDim]
  private final List<Layer> layers;
  private final ParameterSet parameters;
  private final VirtualPerturbation perturbation;

  /** A LayerNorm (weight and bias) or an RMSNorm (bias null). */
  private record Norm(Parameter weight, Parameter bias) {}

  /**
   * One block. Linear weights are [out, in]; biases may be null. GPT-2's fused c_attn is {@code
   * qkv} (then q, k, v are null).
   */
  private record Layer(
      Norm attentionNorm, // [hidden]
      Parameter qkv, // GPT-2 [3 * hidden, hidden]
      Parameter qkvBias, // GPT-2 [3 * hidden]
      Parameter q, // [qDim, hidden]
      Parameter qBias, // [qDim]
      Parameter k, // [kvDim, hidden]
      Parameter kBias, // [kvDim]
      Parameter v, // [kvDim, hidden]
      Parameter vBias, // [kvDim]
      Parameter o, // [hidden, qDim]
      Parameter oBias, // [hidden]
      Norm ffnNorm, // [hidden]
      Parameter up, // Llama up_proj, OPT fc1, GPT-2 c_fc: [inter, hidden]
      Parameter upBias, // [inter]
      Parameter gate, // Llama gate_proj [inter, hidden], else null
      Parameter down, // Llama down_proj, OPT fc2, GPT-2 mlp.c_proj: [hidden, inter]
      Parameter downBias) {} // [hidden]

  private DecoderModel(DecoderConfig c, ParameterSet all) {
    this.config = c;
    this.hidden = c.hiddenSize();
    this.embedDim = c.family() == DecoderFamily.OPT ? c.wordEmbedProjDim() : hidden;
    this.heads = c.numHeads();
    this.kvHeads = c.numKvHeads();
    this.headDim = c.headDim();
    this.qDim = heads * headDim;
    this.kvDim = kvHeads * headDim;
    this.inter = c.intermediateSize();
    this.eps = (float) c.normEps();
    this.inverseFrequencies =
        c.ropeScaling() == null
            ? RopeScaling.plain(headDim, c.ropeTheta())
            : c.ropeScaling().inverseFrequencies(headDim, c.ropeTheta());
    int vocab = c.vocabSize();
    List<Parameter> used = new ArrayList<>();
    Lookup w = new Lookup(all, used);
    List<Layer> list = new ArrayList<>();
    switch (c.family()) {
      case LLAMA -> {
        String p = w.prefix("model.", "embed_tokens.weight");
        this.embed = w.get(p + "embed_tokens.weight", vocab, hidden);
        this.positionTable = null;
        this.projectIn = null;
        this.projectOut = null;
        for (int i = 0; i < c.numLayers(); i++) {
          String l = p + "layers." + i + ".";
          String a = l + "self_attn.";
          list.add(
              new Layer(
                  new Norm(w.get(l + "input_layernorm.weight", hidden), null),
                  null,
                  null,
                  w.get(a + "q_proj.weight", qDim, hidden),
                  c.qkvBias() ? w.get(a + "q_proj.bias", qDim) : null,
                  w.get(a + "k_proj.weight", kvDim, hidden),
                  c.qkvBias() ? w.get(a + "k_proj.bias", kvDim) : null,
                  w.get(a + "v_proj.weight", kvDim, hidden),
                  c.qkvBias() ? w.get(a + "v_proj.bias", kvDim) : null,
                  w.get(a + "o_proj.weight", hidden, qDim),
                  c.outputBias() ? w.get(a + "o_proj.bias", hidden) : null,
                  new Norm(w.get(l + "post_attention_layernorm.weight", hidden), null),
                  w.get(l + "mlp.up_proj.weight", inter, hidden),
                  null,
                  w.get(l + "mlp.gate_proj.weight", inter, hidden),
                  w.get(l + "mlp.down_proj.weight", hidden, inter),
                  null));
        }
        this.finalNorm = new Norm(w.get(p + "norm.weight", hidden), null);
      }
      case OPT -> {
        String p = w.prefix("model.decoder.", "embed_tokens.weight");
        p = p.isEmpty() ? "decoder." : p;
        this.embed = w.get(p + "embed_tokens.weight", vocab, embedDim);
        this.positionTable = w.get(p + "embed_positions.weight", c.maxPositions() + 2, hidden);
        boolean projected = embedDim != hidden;
        this.projectIn = projected ? w.get(p + "project_in.weight", hidden, embedDim) : null;
        this.projectOut = projected ? w.get(p + "project_out.weight", embedDim, hidden) : null;
        for (int i = 0; i < c.numLayers(); i++) {
          String l = p + "layers." + i + ".";
          String a = l + "self_attn.";
          list.add(
              new Layer(
                  w.layerNorm(l + "self_attn_layer_norm.", hidden),
                  null,
                  null,
                  w.get(a + "q_proj.weight", qDim, hidden),
                  w.get(a + "q_proj.bias", qDim),
                  w.get(a + "k_proj.weight", kvDim, hidden),
                  w.get(a + "k_proj.bias", kvDim),
                  w.get(a + "v_proj.weight", kvDim, hidden),
                  w.get(a + "v_proj.bias", kvDim),
                  w.get(a + "out_proj.weight", hidden, qDim),
                  w.get(a + "out_proj.bias", hidden),
                  w.layerNorm(l + "final_layer_norm.", hidden),
                  w.get(l + "fc1.weight", inter, hidden),
                  w.get(l + "fc1.bias", inter),
                  null,
                  w.get(l + "fc2.weight", hidden, inter),
                  w.get(l + "fc2.bias", hidden)));
        }
        this.finalNorm = c.normBefore() ? w.layerNorm(p + "final_layer_norm.", hidden) : null;
      }
      case GPT2 -> {
        String p = w.prefix("transformer.", "wte.weight");
        this.embed = w.get(p + "wte.weight", vocab, hidden);
        this.positionTable = w.get(p + "wpe.weight", c.maxPositions(), hidden);
        this.projectIn = null;
        this.projectOut = null;
        for (int i = 0; i < c.numLayers(); i++) {
          String l = p + "h." + i + ".";
          list.add(
              new Layer(
                  w.layerNorm(l + "ln_1.", hidden),
                  w.get(l + "attn.c_attn.weight", 3 * hidden, hidden),
                  w.get(l + "attn.c_attn.bias", 3 * hidden),
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  w.get(l + "attn.c_proj.weight", hidden, hidden),
                  w.get(l + "attn.c_proj.bias", hidden),
                  w.layerNorm(l + "ln_2.", hidden),
                  w.get(l + "mlp.c_fc.weight", inter, hidden),
                  w.get(l + "mlp.c_fc.bias", inter),
                  null,
                  w.get(l + "mlp.c_proj.weight", hidden, inter),
                  w.get(l + "mlp.c_proj.bias", hidden)));
        }
        this.finalNorm = w.layerNorm(p + "ln_f.", hidden);
      }
      default -> throw new IllegalArgumentException("unknown family " + c.family());
    }
    this.head = c.tieWordEmbeddings() ? embed : w.get("lm_head.weight", vocab, embedDim);
    this.layers = List.copyOf(list);
    this.parameters = ParameterSet.of(used);
    this.perturbation = VirtualPerturbation.none();
  }

  /** The same model read through {@code perturbation}. */
  private DecoderModel(DecoderModel m, VirtualPerturbation perturbation) {
    this.config = m.config;
    this.hidden = m.hidden;
    this.embedDim = m.embedDim;
    this.heads = m.heads;
    this.kvHeads = m.kvHeads;
    this.headDim = m.headDim;
    this.qDim = m.qDim;
    this.kvDim = m.kvDim;
    this.inter = m.inter;
    this.eps = m.eps;
    this.inverseFrequencies = m.inverseFrequencies;
    this.embed = m.embed;
    this.positionTable = m.positionTable;
    this.projectIn = m.projectIn;
    this.projectOut = m.projectOut;
    this.finalNorm = m.finalNorm;
    this.head = m.head;
    this.layers = m.layers;
    this.parameters = m.parameters;
    this.perturbation = perturbation;
  }

  /**
   * A model over {@code params} (HF names). Tensors the model does not use are ignored.
   *
   * @throws IllegalArgumentException naming the tensor when one is missing, misshapen or neither
   *     F32 nor BF16
   */
  public static DecoderModel of(DecoderConfig config, ParameterSet params) {
    return new DecoderModel(config, params);
  }

  /**
   * This model as it computes at {@code theta + scale * z(seed)} for the parameters {@code
   * perturbation} covers: every forward pass of the view reads those weights through the noise, and
   * nothing is written, so the view and this model can be used in turn (MeZO's two losses at {@code
   * theta +- eps z}, then the update). The view shares this model's parameters.
   */
  public DecoderModel perturbed(VirtualPerturbation perturbation) {
    return perturbation.isNone() && this.perturbation.isNone()
        ? this
        : new DecoderModel(this, perturbation);
  }

  /** The configuration this model was built from. */
  public DecoderConfig config() {
    return config;
  }

  /**
   * Exactly the parameters this model reads, in model order, sharing storage with the set it was
   * built from: what MeZO should perturb and update (a tied head appears once).
   */
  public ParameterSet parameters() {
    return parameters;
  }

  /** Size of the vocabulary: the width of each logits row. */
  public int vocabSize() {
    return config.vocabSize();
  }

  /** An empty cache for {@code batch} sequences of up to {@code capacity} slots. */
  public KvCache newCache(int batch, int capacity) {
    return new KvCache(layers.size(), batch, capacity, kvDim);
  }

  private static final ThreadLocal<KvCache[]> SCRATCH_CACHES =
      ThreadLocal.withInitial(() -> new KvCache[2]);

  /**
   * An empty cache of this thread for a pass that discards it afterwards (scoring, half {@code
   * half} of a pair): the one the thread used last, cleared, when it has this model's shape, the
   * batch and at least {@code capacity} slots; else a new one that it keeps. Slots are written
   * before they are read, so a reused cache computes what a new one does.
   */
  KvCache scratchCache(int half, int batch, int capacity) {
    KvCache[] kept = SCRATCH_CACHES.get();
    KvCache c = kept[half];
    if (c == null
        || c.keys.length != layers.size()
        || c.kvDim != kvDim
        || c.batch != batch
        || c.capacity < capacity) {
      c = newCache(batch, capacity);
      kept[half] = c;
    } else {
      c.clear();
    }
    return c;
  }

  /**
   * Logits {@code [batch, seq, vocab]} for every position of {@code input} (a fresh cache).
   *
   * @throws IllegalArgumentException if an id is outside the vocabulary or a sequence is longer
   *     than the model's positions
   */
  public float[] forward(Workers workers, TokenBatch input) {
    return forward(workers, input, newCache(input.batch(), Math.max(1, input.seq())));
  }

  /**
   * Appends {@code input}'s positions to {@code cache} and returns their logits {@code [batch, seq,
   * vocab]}: the same values a full forward pass over the cached prefix plus {@code input} gives.
   */
  public float[] forward(Workers workers, TokenBatch input, KvCache cache) {
    float[] h = hiddenStates(workers, input, cache);
    int rows = input.batch() * input.seq();
    float[] logits = new float[rows * vocabSize()];
    logits(workers, h, 0, rows, logits);
    return logits;
  }

  /**
   * Appends {@code input} to {@code cache} and returns the logits {@code [batch, vocab]} of each
   * row's last slot only (what generation needs; use {@link TokenBatch#leftPadded} for batches).
   */
  public float[] nextTokenLogits(Workers workers, TokenBatch input, KvCache cache) {
    if (input.seq() == 0) {
      throw new IllegalArgumentException("input has no positions");
    }
    float[] h = hiddenStates(workers, input, cache);
    int b = input.batch();
    int seq = input.seq();
    float[] last = new float[b * embedDim];
    for (int r = 0; r < b; r++) {
      System.arraycopy(h, ((r + 1) * seq - 1) * embedDim, last, r * embedDim, embedDim);
    }
    float[] logits = new float[b * vocabSize()];
    logits(workers, last, 0, b, logits);
    return logits;
  }

  /**
   * The final hidden states {@code [batch * seq, embedDim]} (after the final norm and OPT's
   * project_out), appending {@code input} to {@code cache}.
   */
  float[] hiddenStates(Workers w, TokenBatch input, KvCache cache) {
    return hiddenStates(w, input, new KvCache[] {cache})[0];
  }

  /**
   * {@link #hiddenStates} of both halves of a MeZO pair: this view's perturbation ({@code theta +
   * eps z}, into {@code plus}) and its mirror ({@code theta - eps z}, into {@code minus}), each
   * weight matrix read and its noise generated once for the two; each half equals the single pass
   * of its own view bit for bit.
   */
  float[][] hiddenStatesPair(Workers w, TokenBatch input, KvCache plus, KvCache minus) {
    return hiddenStates(w, input, new KvCache[] {plus, minus});
  }

  /**
   * One forward pass over one half (this view) or two (this view and its mirror), half {@code h}
   * appending to {@code caches[h]}: per half the same operations in the same order, the weight
   * matrices read once for all halves.
   */
  private float[][] hiddenStates(Workers w, TokenBatch input, KvCache[] caches) {
    int halves = caches.length;
    int batch = input.batch();
    int seq = input.seq();
    for (KvCache cache : caches) {
      if (cache.batch != batch) {
        throw new IllegalArgumentException(
            "input has %d sequences but the cache was made for %d".formatted(batch, cache.batch));
      }
      if (cache.length + seq > cache.capacity) {
        throw new IllegalArgumentException(
            "cache holds %d of %d slots; %d more do not fit"
                .formatted(cache.length, cache.capacity, seq));
      }
    }
    int past = caches[0].length;
    int tokens = batch * seq;
    int[] pos = positions(input, caches[0]);
    for (int h = 1; h < halves; h++) {
      positions(input, caches[h]);
    }
    int[] ids = input.ids();

    float[][] x = new float[halves][tokens * hidden];
    for (int h = 0; h < halves; h++) {
      if (projectIn != null) {
        float[] e = new float[tokens * embedDim];
        gather(embed, ids, false, e, h);
        MatMul.linear(w, e, tokens, embedDim, view(projectIn, h), null, hidden, x[h]);
      } else {
        gather(embed, ids, false, x[h], h);
      }
      if (config.family() == DecoderFamily.OPT) {
        int[] shifted = new int[tokens];
        for (int i = 0; i < tokens; i++) {
          shifted[i] = pos[i] + 2; // OPT's learned positions start at row 2 (rows 0-1 unused)
        }
        gather(positionTable, shifted, true, x[h], h);
      } else if (config.family() == DecoderFamily.GPT2) {
        gather(positionTable, pos, true, x[h], h);
      }
    }

    // the layers' working buffers are this thread's, reused from pass to pass: every kernel below
    // writes all `tokens` rows of its output before anything reads them
    Buffers buffers = BUFFERS.get();
    float[][] n = buffers.get(0, halves, tokens * hidden);
    float[][] q = buffers.get(1, halves, tokens * qDim);
    float[][] k = buffers.get(2, halves, tokens * kvDim);
    float[][] v = buffers.get(3, halves, tokens * kvDim);
    float[][] ctx = buffers.get(4, halves, tokens * qDim);
    float[][] sub = buffers.get(5, halves, tokens * hidden);
    float[][] up = buffers.get(6, halves, tokens * inter);
    float[][] gate =
        config.family() == DecoderFamily.LLAMA ? buffers.get(7, halves, tokens * inter) : null;
    float[][] qkv =
        config.family() == DecoderFamily.GPT2 ? buffers.get(8, halves, tokens * 3 * hidden) : null;
    float scale = (float) (1.0 / Math.sqrt(headDim));
    boolean pre = config.normBefore();
    for (int li = 0; li < layers.size(); li++) {
      Layer l = layers.get(li);
      // attention
      float[][] in = pre ? norm(w, l.attentionNorm(), x, tokens, n) : x;
      if (l.qkv() != null) {
        linear(w, in, tokens, hidden, l.qkv(), l.qkvBias(), 3 * hidden, qkv);
        for (int h = 0; h < halves; h++) {
          for (int t = 0; t < tokens; t++) {
            System.arraycopy(qkv[h], t * 3 * hidden, q[h], t * qDim, hidden);
            System.arraycopy(qkv[h], t * 3 * hidden + hidden, k[h], t * kvDim, hidden);
            System.arraycopy(qkv[h], t * 3 * hidden + 2 * hidden, v[h], t * kvDim, hidden);
          }
        }
      } else {
        linear(w, in, tokens, hidden, l.q(), l.qBias(), qDim, q);
        linear(w, in, tokens, hidden, l.k(), l.kBias(), kvDim, k);
        linear(w, in, tokens, hidden, l.v(), l.vBias(), kvDim, v);
      }
      for (int h = 0; h < halves; h++) {
        if (config.family() == DecoderFamily.LLAMA) {
          RotaryEmbedding.apply(
              q[h],
              tokens,
              heads,
              headDim,
              pos,
              inverseFrequencies,
              RotaryEmbedding.Layout.ROTATE_HALF);
          RotaryEmbedding.apply(
              k[h],
              tokens,
              kvHeads,
              headDim,
              pos,
              inverseFrequencies,
              RotaryEmbedding.Layout.ROTATE_HALF);
        }
        KvCache cache = caches[h];
        float[] keys = cache.keys[li];
        float[] values = cache.values[li];
        for (int b = 0; b < batch; b++) {
          int dst = (b * cache.capacity + past) * kvDim;
          System.arraycopy(k[h], b * seq * kvDim, keys, dst, seq * kvDim);
          System.arraycopy(v[h], b * seq * kvDim, values, dst, seq * kvDim);
        }
        CausalAttention.apply(
            w,
            q[h],
            batch,
            seq,
            heads,
            kvHeads,
            headDim,
            keys,
            values,
            cache.valid,
            cache.capacity,
            past,
            scale,
            ctx[h]);
      }
      linear(w, ctx, tokens, qDim, l.o(), l.oBias(), hidden, sub);
      addInPlace(x, sub, tokens * hidden);
      if (!pre) {
        norm(w, l.attentionNorm(), x, tokens, x);
      }
      // feed-forward
      in = pre ? norm(w, l.ffnNorm(), x, tokens, n) : x;
      linear(w, in, tokens, hidden, l.up(), l.upBias(), inter, up);
      switch (config.family()) {
        case LLAMA -> {
          linear(w, in, tokens, hidden, l.gate(), null, inter, gate);
          for (int h = 0; h < halves; h++) {
            DecoderActivations.swiGluInPlace(w, gate[h], up[h], tokens * inter);
          }
          linear(w, gate, tokens, inter, l.down(), null, hidden, sub);
        }
        case OPT -> {
          for (int h = 0; h < halves; h++) {
            DecoderActivations.reluInPlace(w, up[h], tokens * inter);
          }
          linear(w, up, tokens, inter, l.down(), l.downBias(), hidden, sub);
        }
        case GPT2 -> {
          for (int h = 0; h < halves; h++) {
            DecoderActivations.geluTanhInPlace(w, up[h], tokens * inter);
          }
          linear(w, up, tokens, inter, l.down(), l.downBias(), hidden, sub);
        }
      }
      addInPlace(x, sub, tokens * hidden);
      if (!pre) {
        norm(w, l.ffnNorm(), x, tokens, x);
      }
    }
    for (KvCache cache : caches) {
      cache.length += seq;
    }
    if (finalNorm != null) {
      norm(w, finalNorm, x, tokens, x);
    }
    if (projectOut != null) {
      float[][] out = new float[halves][tokens * embedDim];
      linear(w, x, tokens, hidden, projectOut, null, embedDim, out);
      return out;
    }
    return x;
  }

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /**
   * A thread's working buffers for the layers of a forward pass, grown to the largest pass it has
   * run and kept: a MeZO step then allocates only its result, not every layer's activations (whose
   * garbage would otherwise be promoted and grow the heap).
   */
  private static final class Buffers {
    private final float[][][] slots = new float[9][][];

    /** {@code halves} arrays of at least {@code length} floats each for slot {@code slot}. */
    float[][] get(int slot, int halves, int length) {
      float[][] a = slots[slot];
      if (a == null || a.length < halves) {
        a = a == null ? new float[halves][] : Arrays.copyOf(a, halves);
        slots[slot] = a;
      }
      for (int h = 0; h < halves; h++) {
        if (a[h] == null || a[h].length < length) {
          a[h] = new float[length];
        }
      }
      // the loops run over the halves of the array they get
      return a.length == halves ? a : Arrays.copyOf(a, halves);
    }
  }

  /** {@code out[rows, vocab] = hidden[from .. from + rows) @ head^T}. */
  void logits(Workers w, float[] hiddenStates, int from, int rows, float[] out) {
    float[] x =
        from == 0 && hiddenStates.length == rows * embedDim
            ? hiddenStates
            : Arrays.copyOfRange(hiddenStates, from * embedDim, (from + rows) * embedDim);
    MatMul.linear(w, x, rows, embedDim, view(head, 0), null, vocabSize(), out);
  }

  /**
   * {@link #logits} of both halves of a pair ({@link #hiddenStatesPair}): {@code plus} and {@code
   * minus} hold {@code rows} hidden states each, the head is read once for both.
   */
  void logitsPair(
      Workers w, float[] plus, float[] minus, int rows, float[] outPlus, float[] outMinus) {
    linear(
        w,
        new float[][] {plus, minus},
        rows,
        embedDim,
        head,
        null,
        vocabSize(),
        new float[][] {outPlus, outMinus});
  }

  /** Width of the rows {@link #hiddenStates} returns. */
  int hiddenWidth() {
    return embedDim;
  }

  /**
   * Marks the input's slots in the cache and returns each token's position: the number of valid
   * tokens before it in its row. Checks ids and positions before anything is written.
   */
  private int[] positions(TokenBatch input, KvCache cache) {
    int batch = input.batch();
    int seq = input.seq();
    int[] ids = input.ids();
    boolean[] valid = input.valid();
    int limit = config.maxSequenceLength();
    int[] pos = new int[batch * seq];
    for (int b = 0; b < batch; b++) {
      int count = cache.tokens[b];
      for (int t = 0; t < seq; t++) {
        int i = b * seq + t;
        if (ids[i] < 0 || ids[i] >= vocabSize()) {
          throw new IllegalArgumentException(
              "token id %d at row %d, slot %d is outside the vocabulary [0, %d)"
                  .formatted(ids[i], b, t, vocabSize()));
        }
        if (valid[i]) {
          if (count >= limit) {
            throw new IllegalArgumentException(
                "row %d has more than %d tokens, the most this model supports%s"
                    .formatted(
                        b,
                        limit,
                        limit == config.slidingWindow()
                            ? " (sliding-window attention is not implemented)"
                            : ""));
          }
          pos[i] = count++;
        }
      }
    }
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < seq; t++) {
        int i = b * seq + t;
        cache.valid[b * cache.capacity + cache.length + t] = valid[i];
        if (valid[i]) {
          cache.tokens[b]++;
        }
      }
    }
    return pos;
  }

  /** Each half's {@code x} normalized into its {@code out} (which may be {@code x}). */
  private float[][] norm(Workers w, Norm norm, float[][] x, int rows, float[][] out) {
    for (int h = 0; h < x.length; h++) {
      if (norm.bias() == null) {
        RmsNorm.apply(w, x[h], rows, hidden, vector(norm.weight(), h), eps, out[h]);
      } else {
        LayerNorm.apply(
            w, x[h], rows, hidden, vector(norm.weight(), h), vector(norm.bias(), h), eps, out[h]);
      }
    }
    return out;
  }

  /**
   * {@code out[h] = in[h] @ weight^T + bias} for each half; two halves read the weight (and
   * generate its noise) once.
   */
  private void linear(
      Workers w,
      float[][] in,
      int m,
      int k,
      Parameter weight,
      Parameter bias,
      int n,
      float[][] out) {
    if (in.length == 1) {
      MatMul.linear(w, in[0], m, k, view(weight, 0), vector(bias, 0), n, out[0]);
    } else {
      MatMul.linearPair(
          w,
          in[0],
          in[1],
          m,
          k,
          view(weight, 0),
          vector(bias, 0),
          vector(bias, 1),
          n,
          out[0],
          out[1]);
    }
  }

  private static void addInPlace(float[][] x, float[][] y, int n) {
    for (int h = 0; h < x.length; h++) {
      Elementwise.addInPlace(x[h], y[h], n);
    }
  }

  /** The perturbation half {@code h} reads: this view's (0) or its mirror (1). */
  private VirtualPerturbation perturbation(int half) {
    return half == 0 ? perturbation : perturbation.negated();
  }

  /** A matrix as half {@code h} reads it: stored values, or through its perturbation. */
  private Weights view(Parameter p, int half) {
    return Weights.of(p, perturbation(half));
  }

  /**
   * A vector (bias, norm weight) as half {@code h} reads it: the f32 storage itself when it is read
   * as stored, else a fresh copy of what is read; null for null.
   */
  private float[] vector(Parameter p, int half) {
    if (p == null) {
      return null;
    }
    if (p.dtype() == DType.F32 && !perturbation.covers(p)) {
      return p.f32Data();
    }
    float[] values = new float[p.size()];
    view(p, half).readRow(0, values, 0);
    return values;
  }

  /**
   * Rows {@code ids} of {@code table} as half {@code half} reads it, into (or, with {@code add},
   * added to) {@code out[ids.length, cols]}; only the rows used are read (and perturbed).
   */
  private void gather(Parameter table, int[] ids, boolean add, float[] out, int half) {
    Embedding.gather(view(table, half), ids, add, out, new float[table.dim(1)]);
  }

  /** Looks tensors up by name, checks shape and dtype, and records what the model uses. */
  private record Lookup(ParameterSet all, List<Parameter> used) {
    /** {@code prefix} if {@code prefix + probe} exists, else "" (prefix-less checkpoints). */
    String prefix(String prefix, String probe) {
      return all.contains(prefix + probe) ? prefix : "";
    }

    Norm layerNorm(String prefix, int width) {
      return new Norm(get(prefix + "weight", width), get(prefix + "bias", width));
    }

    Parameter get(String name, int... shape) {
      if (!all.contains(name)) {
        throw new IllegalArgumentException("missing tensor '" + name + "'");
      }
      Parameter p = all.get(name);
      if (!Arrays.equals(p.shape(), shape)) {
        throw new IllegalArgumentException(
            "tensor '%s' has shape %s, expected %s"
                .formatted(name, Arrays.toString(p.shape()), Arrays.toString(shape)));
      }
      if (p.dtype() != DType.F32 && p.dtype() != DType.BF16) {
        throw new IllegalArgumentException(
            "tensor '%s' is %s; the engine reads F32 or BF16 storage".formatted(name, p.dtype()));
      }
      if (!used.contains(p)) {
        used.add(p);
      }
      return p;
    }
  }
}
