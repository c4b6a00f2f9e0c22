package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterId;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.kernels.Activations;
import io.github.mezo4j.nn.kernels.Attention;
import io.github.mezo4j.nn.kernels.Embedding;
import io.github.mezo4j.nn.kernels.LayerNorm;
import io.github.mezo4j.nn.kernels.MatMul;
import io.github.mezo4j.nn.kernels.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A BERT-family transformer encoder (BERT, RoBERTa, XLM-R, MiniLM and the BERT-architecture
 * sentence-embedding models such as all-MiniLM-L6-v2, bge-small, e5-small): padded token batches
 * in, last hidden states out.
 *
 * <p>The weights are the {@link Parameter}s of a {@link ParameterSet} with Hugging Face tensor
 * names ({@code embeddings.word_embeddings.weight}, {@code
 * encoder.layer.0.attention.self.query.weight}, ...; an optional prefix such as {@code bert.} or
 * {@code roberta.} is detected). Every forward pass reads the parameters' live storage, so in-place
 * changes such as MeZO's perturbation are seen by the next call; the encoder never copies weights.
 *
 * <p>Perturbed forward passes: {@link #forward(EncoderInput, Workers, VirtualPerturbation)} reads
 * the covered parameters as {@code theta + scale * z} while it packs or reads them (matrices
 * through {@link Weights} views, vectors into scratch, embedding tables only in the rows the batch
 * reads), never writing the stored weights, so MeZO needs no restore pass and restoring is exact.
 * {@link #forwardPair} runs the {@code +eps} and {@code -eps} passes of a two-sided sample
 * together, generating each noise element once for both.
 *
 * <p>Split passes: {@link #forwardPrefixInto} runs the embeddings and the first {@code n} layers,
 * {@link #forwardFromInto} / {@link #forwardFromPairInto} the layers from {@code n} on hidden
 * states the caller gives; together they give a full pass's bits. When only the top layers are
 * trained, the lower layers' output can so be computed once per sequence and reused ({@link
 * FrozenPrefixCache}).
 *
 * <p>Padding: the hidden states of a sequence's real tokens do not depend on the other sequences of
 * the batch nor on how far it is padded. Every kernel computes a token's row in a fixed order
 * (matrix products per output element over the input width, layer norm per row, attention over the
 * real keys only, in key order), so a sequence alone and the same sequence in any right-padded
 * batch give the same bits at its real positions; padded positions get values that depend on the
 * padding. {@link FrozenPrefixCache} relies on this.
 *
 * <p>LoRA: {@link #withLora(LoraConfig, long)} gives an encoder over the same weights with low-rank
 * adapters on chosen projections of every layer, {@code y = W x + b + (alpha / r) B (A x)},
 * computed as two thin products after the frozen one ({@code x A^T}, scaled, then {@code B}'s
 * product added to {@code y}) and never merged during training. The adapters are ordinary
 * parameters of {@link #parameters()} (PEFT names, {@code ...query.lora_A.weight}), read through
 * the same {@link Weights} views as every other weight, so virtual and paired perturbation apply to
 * them unchanged; {@link #mergedParameters()} folds them into the base weights.
 *
 * <p>Memory: the weights plus one forward pass's activations (about {@code batch * seq * (4 *
 * hidden + intermediate)} floats plus the kernels' scratch), kept per calling thread and reused by
 * the next call of the same shape or smaller; each call allocates only the array it returns, and
 * {@link #forwardInto} / {@link #forwardPairInto} write into the caller's arrays instead. Results
 * are bit-identical for any number of threads.
 *
 * <p>Storage: parameters may be F32 or BF16 (widened exactly to f32 as the kernels read them; all
 * arithmetic is f32). Limits: {@code hidden_act} must be {@code gelu} (exact erf form). Instances
 * are immutable apart from that per-thread scratch, and thread-safe.
 */
public final class BertEncoder {

  /** How position ids are derived from the input: the one real difference between families. */
  enum PositionScheme {
    /** BERT: position = index in the padded sequence, 0, 1, 2, ... */
    ABSOLUTE,
    /**
     * RoBERTa / XLM-R: real tokens count from pad_token_id + 1; padding tokens get pad_token_id.
     */
    PADDING_OFFSET
  }

  private final BertConfig config;
  private final String prefix;
  private final PositionScheme positions;
  private final int hidden;
  private final int heads;
  private final int headDim;
  private final int intermediate;
  private final float eps;
  private final EmbeddingWeights embeddings;
  private final List<LayerWeights> layers;
  // layerStart[i]: where layer i's weights begin in parameters (model order); [layers]: the end
  private final int[] layerStart;
  private final ParameterSet parameters;
  private final LoraConfig lora; // null: no adapters
  // adapters.get(i)[t.ordinal()]: layer i's adapter on target t, or null
  private final List<Adapter[]> adapters;
  private final float loraScale;

  /** The embedding tables and their layer norm (HF {@code BertEmbeddings}). */
  private record EmbeddingWeights(
      Parameter word, // [vocab_size, hidden]
      Parameter position, // [max_position_embeddings, hidden]
      Parameter tokenType, // [type_vocab_size, hidden]
      Parameter normWeight, // [hidden]
      Parameter normBias) {} // [hidden]

  /** One transformer layer (HF {@code BertLayer}); linear weights are nn.Linear [out, in]. */
  private record LayerWeights(
      Parameter queryWeight, // [hidden, hidden]
      Parameter queryBias, // [hidden]
      Parameter keyWeight, // [hidden, hidden]
      Parameter keyBias, // [hidden]
      Parameter valueWeight, // [hidden, hidden]
      Parameter valueBias, // [hidden]
      Parameter attentionOutWeight, // [hidden, hidden]
      Parameter attentionOutBias, // [hidden]
      Parameter attentionNormWeight, // [hidden]
      Parameter attentionNormBias, // [hidden]
      Parameter intermediateWeight, // [intermediate, hidden]
      Parameter intermediateBias, // [intermediate]
      Parameter outputWeight, // [hidden, intermediate]
      Parameter outputBias, // [hidden]
      Parameter outputNormWeight, // [hidden]
      Parameter outputNormBias) { // [hidden]

    /** The frozen weight {@code target} adapts. */
    Parameter weight(LoraTarget target) {
      return switch (target) {
        case QUERY -> queryWeight;
        case KEY -> keyWeight;
        case VALUE -> valueWeight;
        case ATTENTION_OUTPUT -> attentionOutWeight;
        case INTERMEDIATE -> intermediateWeight;
        case OUTPUT -> outputWeight;
      };
    }
  }

  /** A LoRA adapter: {@code a [r, in]}, {@code b [out, r]}. */
  private record Adapter(Parameter a, Parameter b) {}

  private static final Adapter[] NO_ADAPTERS = new Adapter[LoraTarget.values().length];

  /** One forward pass's activations, each {@code [batch * seq, width]} row-major, reused. */
  private static final class Buffers {
    final int tokens;
    final float[] query; // [tokens, hidden]; after attention, its output (the context)
    final float[] key; // [tokens, hidden]
    final float[] value; // [tokens, hidden]
    final float[] intermediate; // [tokens, intermediate]
    final float[] lora; // [tokens, r]: x A^T of one adapter
    // Vectors read with noise or widened from bf16: a bias, a norm's gain and its bias.
    final float[] vectorA;
    final float[] vectorB;
    final float[] vectorC;
    float[] table = new float[0]; // a small embedding table read whole, or one row

    Buffers(int tokens, int hidden, int intermediate, int rank) {
      this.tokens = tokens;
      this.lora = new float[tokens * rank];
      this.query = new float[tokens * hidden];
      this.key = new float[tokens * hidden];
      this.value = new float[tokens * hidden];
      this.intermediate = new float[tokens * intermediate];
      int widest = Math.max(hidden, intermediate);
      this.vectorA = new float[widest];
      this.vectorB = new float[widest];
      this.vectorC = new float[widest];
    }

    float[] table(int size) {
      if (table.length < size) {
        table = new float[size];
      }
      return table;
    }
  }

  // Activations of the last call on each thread: a forward pass allocates only its result.
  private final ThreadLocal<Buffers> buffers = new ThreadLocal<>();
  // The minus half's activations of a paired call (forwardPair); allocated only if one is made.
  private final ThreadLocal<Buffers> minusBuffers = new ThreadLocal<>();

  private BertEncoder(BertConfig config, ParameterSet all, String prefix) {
    this.config = config;
    this.prefix = prefix;
    this.positions = positionScheme(config);
    String act = config.hiddenAct();
    if (!"gelu".equals(act)) {
      throw new IllegalArgumentException(
          "hidden_act '%s' is not supported; this encoder implements only 'gelu' (exact erf form)"
              .formatted(act));
    }
    this.hidden = positive("hidden_size", config.hiddenSize());
    this.heads = positive("num_attention_heads", config.numAttentionHeads());
    if (hidden % heads != 0) {
      throw new IllegalArgumentException(
          "hidden_size %d is not divisible by num_attention_heads %d".formatted(hidden, heads));
    }
    this.headDim = hidden / heads;
    this.intermediate = positive("intermediate_size", config.intermediateSize());
    int layerCount = positive("num_hidden_layers", config.numHiddenLayers());
    int vocab = positive("vocab_size", config.vocabSize());
    int maxPositions = positive("max_position_embeddings", config.maxPositionEmbeddings());
    int typeVocab = positive("type_vocab_size", config.typeVocabSize());
    this.eps = (float) config.layerNormEps();
    if (!(eps > 0)) {
      throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + eps);
    }
    if (positions == PositionScheme.PADDING_OFFSET
        && (config.padTokenId() < 0 || config.padTokenId() + 1 >= maxPositions)) {
      throw new IllegalArgumentException(
          "model_type '%s' needs 0 <= pad_token_id < max_position_embeddings - 1, got %d"
              .formatted(config.modelType(), config.padTokenId()));
    }

    List<Parameter> used = new ArrayList<>();
    WeightLookup w = new WeightLookup(all, prefix, used);
    this.embeddings =
        new EmbeddingWeights(
            w.get("embeddings.word_embeddings.weight", vocab, hidden),
            w.get("embeddings.position_embeddings.weight", maxPositions, hidden),
            w.get("embeddings.token_type_embeddings.weight", typeVocab, hidden),
            w.get("embeddings.LayerNorm.weight", hidden),
            w.get("embeddings.LayerNorm.bias", hidden));
    List<LayerWeights> list = new ArrayList<>(layerCount);
    this.layerStart = new int[layerCount + 1];
    for (int i = 0; i < layerCount; i++) {
      layerStart[i] = used.size();
      String l = "encoder.layer." + i + ".";
      list.add(
          new LayerWeights(
              w.get(l + "attention.self.query.weight", hidden, hidden),
              w.get(l + "attention.self.query.bias", hidden),
              w.get(l + "attention.self.key.weight", hidden, hidden),
              w.get(l + "attention.self.key.bias", hidden),
              w.get(l + "attention.self.value.weight", hidden, hidden),
              w.get(l + "attention.self.value.bias", hidden),
              w.get(l + "attention.output.dense.weight", hidden, hidden),
              w.get(l + "attention.output.dense.bias", hidden),
              w.get(l + "attention.output.LayerNorm.weight", hidden),
              w.get(l + "attention.output.LayerNorm.bias", hidden),
              w.get(l + "intermediate.dense.weight", intermediate, hidden),
              w.get(l + "intermediate.dense.bias", intermediate),
              w.get(l + "output.dense.weight", hidden, intermediate),
              w.get(l + "output.dense.bias", hidden),
              w.get(l + "output.LayerNorm.weight", hidden),
              w.get(l + "output.LayerNorm.bias", hidden)));
    }
    layerStart[layerCount] = used.size();
    this.layers = List.copyOf(list);
    this.parameters = ParameterSet.of(used);
    this.lora = null;
    this.adapters = List.of();
    this.loraScale = 0f;
  }

  /**
   * {@code base}'s weights plus {@code adapters}, each layer's right after that layer's weights.
   */
  private BertEncoder(BertEncoder base, LoraConfig lora, List<Adapter[]> adapters) {
    this.config = base.config;
    this.prefix = base.prefix;
    this.positions = base.positions;
    this.hidden = base.hidden;
    this.heads = base.heads;
    this.headDim = base.headDim;
    this.intermediate = base.intermediate;
    this.eps = base.eps;
    this.embeddings = base.embeddings;
    this.layers = base.layers;
    this.lora = lora;
    this.adapters = List.copyOf(adapters);
    this.loraScale = lora.scaling();
    List<Parameter> baseList = base.parameters.list();
    List<Parameter> used = new ArrayList<>(baseList.subList(0, base.layerStart[0]));
    this.layerStart = new int[layers.size() + 1];
    for (int i = 0; i < layers.size(); i++) {
      layerStart[i] = used.size();
      used.addAll(baseList.subList(base.layerStart[i], base.layerStart[i + 1]));
      for (Adapter ad : adapters.get(i)) {
        if (ad != null) {
          used.add(ad.a());
          used.add(ad.b());
        }
      }
    }
    layerStart[layers.size()] = used.size();
    this.parameters = ParameterSet.of(used);
  }

  /**
   * An encoder over {@code params}, whose names may carry one common prefix ({@code bert.}, {@code
   * roberta.}, ...) that is detected from the word embedding's name. Parameters the encoder does
   * not use (a pooler, a task head) are ignored.
   *
   * @throws IllegalArgumentException naming the field, tensor or value when the configuration is
   *     unsupported or a weight is missing or misshapen
   */
  public static BertEncoder of(BertConfig config, ParameterSet params) {
    return new BertEncoder(config, params, detectPrefix(params));
  }

  /** An encoder whose tensor names are {@code prefix + <HF name>} ({@code ""} for none). */
  public static BertEncoder of(BertConfig config, ParameterSet params, String prefix) {
    return new BertEncoder(config, params, prefix);
  }

  /**
   * This encoder with fresh LoRA adapters on {@code lora}'s targets of every layer, sharing this
   * encoder's weights: each {@code A} drawn by {@link LoraInit} from {@code runSeed} and its name,
   * each {@code B} zero, so the new encoder's outputs equal this one's until {@code B} changes.
   * Adapters are f32 whatever the base weights' storage.
   *
   * @throws IllegalStateException if this encoder already has adapters
   */
  public BertEncoder withLora(LoraConfig lora, long runSeed) {
    return withAdapters(
        lora,
        (name, shape, isA) ->
            isA
                ? Parameter.f32(
                    name,
                    shape,
                    LoraInit.uniformA(runSeed, ParameterId.of(name), shape[0], shape[1]))
                : Parameter.zeros(name, DType.F32, shape));
  }

  /**
   * This encoder with the LoRA adapters of {@code lora} taken from {@code tensors} by name (storage
   * shared, not copied): {@code [prefix]encoder.layer.{i}.<module>.lora_A.weight [r, in]} and
   * {@code ...lora_B.weight [out, r]} for every layer and target.
   *
   * @throws IllegalArgumentException naming the first missing or misshapen tensor
   * @throws IllegalStateException if this encoder already has adapters
   */
  public BertEncoder withLora(LoraConfig lora, ParameterSet tensors) {
    WeightLookup w = new WeightLookup(tensors, "", new ArrayList<>());
    return withAdapters(lora, (name, shape, isA) -> w.get(name, shape));
  }

  /** Makes (or finds) one adapter tensor. */
  @FunctionalInterface
  private interface AdapterSource {
    Parameter get(String name, int[] shape, boolean isA);
  }

  private BertEncoder withAdapters(LoraConfig lora, AdapterSource source) {
    java.util.Objects.requireNonNull(lora, "lora");
    if (this.lora != null) {
      throw new IllegalStateException(
          "this encoder already has LoRA adapters (%s)".formatted(this.lora.spec()));
    }
    int r = lora.rank();
    List<Adapter[]> list = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      Adapter[] layer = new Adapter[LoraTarget.values().length];
      for (LoraTarget t : lora.targets()) {
        String module = prefix + "encoder.layer." + i + "." + t.module();
        layer[t.ordinal()] =
            new Adapter(
                source.get(
                    module + LoraConfig.A_SUFFIX, new int[] {r, t.in(hidden, intermediate)}, true),
                source.get(
                    module + LoraConfig.B_SUFFIX,
                    new int[] {t.out(hidden, intermediate), r},
                    false));
      }
      list.add(layer);
    }
    return new BertEncoder(this, lora, list);
  }

  /** The adapters' configuration, or null if this encoder has none. */
  public LoraConfig lora() {
    return lora;
  }

  /** The LoRA adapters' tensors ({@code A} then {@code B} per layer and target), maybe empty. */
  public ParameterSet adapterParameters() {
    List<Parameter> list = new ArrayList<>();
    for (Adapter[] layer : adapters) {
      for (Adapter ad : layer) {
        if (ad != null) {
          list.add(ad.a());
          list.add(ad.b());
        }
      }
    }
    return ParameterSet.of(list);
  }

  /**
   * The weights of an encoder without adapters that computes what this one does: {@link
   * #parameters()} itself when there are none, else the base weights with every adapted {@code W}
   * replaced by a new tensor {@code W + (alpha / r) B A} of {@code W}'s name and storage type (the
   * product summed over r in order, then scaled and added; bf16 weights rounded to nearest) and the
   * adapters left out. Outputs of the merged weights equal this encoder's up to float rounding.
   */
  public ParameterSet mergedParameters() {
    if (lora == null) {
      return parameters;
    }
    Map<Parameter, Adapter> byWeight = new HashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      for (LoraTarget t : lora.targets()) {
        byWeight.put(layers.get(i).weight(t), adapters.get(i)[t.ordinal()]);
      }
    }
    List<Parameter> merged = new ArrayList<>();
    for (Parameter p : parameters) {
      if (LoraConfig.isAdapter(p.name())) {
        continue;
      }
      Adapter ad = byWeight.get(p);
      merged.add(ad == null ? p : merge(p, ad));
    }
    return ParameterSet.of(merged);
  }

  private Parameter merge(Parameter w, Adapter ad) {
    int out = w.dim(0);
    int in = w.dim(1);
    int r = lora.rank();
    float[] values = w.toFloatArray();
    float[] a = ad.a().toFloatArray();
    float[] b = ad.b().toFloatArray();
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        float acc = 0f;
        for (int k = 0; k < r; k++) {
          acc = Math.fma(b[o * r + k], a[k * in + i], acc);
        }
        values[o * in + i] += loraScale * acc;
      }
    }
    return Parameter.of(w.name(), w.dtype(), w.shape(), values);
  }

  /** The configuration this encoder was built from. */
  public BertConfig config() {
    return config;
  }

  /** The name prefix in use ({@code ""}, {@code "bert."}, ...). */
  public String prefix() {
    return prefix;
  }

  /** Width of the hidden states. */
  public int hiddenSize() {
    return hidden;
  }

  /** Number of transformer layers ({@code num_hidden_layers}). */
  public int layerCount() {
    return layers.size();
  }

  /**
   * The weights {@link #forwardPrefixInto} reads for {@code layerCount}: the embeddings' and those
   * of layers {@code [0, layerCount)}, in model order, sharing storage with {@link #parameters()}.
   */
  public ParameterSet prefixParameters(int layerCount) {
    checkLayerIndex("layerCount", layerCount);
    return ParameterSet.of(parameters.list().subList(0, layerStart[layerCount]));
  }

  /**
   * Exactly the parameters this encoder reads, in model order, sharing storage with the set it was
   * built from: what MeZO should perturb and update.
   */
  public ParameterSet parameters() {
    return parameters;
  }

  /**
   * Runs the encoder: last hidden states {@code [batch, seq, hidden]} row-major. Padded positions
   * get values too (as in Hugging Face); ignore them, or pool with the mask.
   *
   * @throws IllegalArgumentException naming the position and value if an input id, token type id or
   *     position id is outside the model's tables
   */
  public float[] forward(EncoderInput input, Workers workers) {
    return forward(input, workers, VirtualPerturbation.none());
  }

  /**
   * Runs the encoder on the weights {@code perturbation} describes: every parameter it {@linkplain
   * VirtualPerturbation#covers covers} is read as {@code fma(scale, z(seed, p.id(), i), theta_i)},
   * the others as stored. The result equals (bit for bit, for f32 storage) a plain forward pass
   * after {@code Perturbation.addScaledNoise(perturbed, seed, scale, ...)}, yet no weight is
   * written: the stored weights are exactly as before. Embedding tables get noise only in the rows
   * this batch reads; the other rows cannot change the output.
   *
   * @throws IllegalArgumentException as {@link #forward(EncoderInput, Workers)}
   */
  public float[] forward(EncoderInput input, Workers workers, VirtualPerturbation perturbation) {
    float[] hiddenStates = new float[input.positions() * hidden];
    forwardInto(input, workers, perturbation, hiddenStates);
    return hiddenStates;
  }

  /**
   * {@link #forward(EncoderInput, Workers, VirtualPerturbation)} into a buffer the caller owns, for
   * loops that must not allocate (a MeZO step, a benchmark): the same bits, written to {@code
   * out[0, batch * seq * hidden)}. The previous contents of {@code out} are never read and the
   * floats after that range are left as they are, so one buffer of the largest shape serves every
   * smaller one; the encoder keeps no reference to {@code out} after the call. Once this thread's
   * activations have grown to the shape, a call allocates only its position ids and a few small
   * objects.
   *
   * @param out at least {@code input.positions() * hiddenSize()} floats
   * @throws IllegalArgumentException if {@code out} is null or too short (naming both sizes), or as
   *     {@link #forward(EncoderInput, Workers)}
   */
  public void forwardInto(
      EncoderInput input, Workers workers, VirtualPerturbation perturbation, float[] out) {
    int[] positionIds = checkedPositionIds(input);
    checkOutput("out", out, input);

    Buffers a = buffers(buffers, input.positions());
    embeddings(input, positionIds, out, a, workers, perturbation);
    layers(0, layers.size(), input, out, a, workers, perturbation);
  }

  /**
   * The first part of a forward pass split in two: the embeddings and layers {@code [0,
   * layerCount)} at the stored weights (no perturbation), written to {@code out[0, batch * seq *
   * hidden)} under the contract of {@link #forwardInto}. Followed by {@link #forwardFromInto} from
   * layer {@code layerCount} on the same input and buffer, it gives {@link #forwardInto}'s bits.
   * This is what a caller caches when the embeddings and the lower layers are frozen: their output
   * for a sequence never changes while only the layers above are trained.
   *
   * @param layerCount 0 (embeddings only) to {@link #layerCount()} (the whole encoder)
   * @throws IllegalArgumentException if {@code layerCount} is out of range, or as {@link
   *     #forwardInto}
   */
  public void forwardPrefixInto(EncoderInput input, int layerCount, Workers workers, float[] out) {
    checkLayerIndex("layerCount", layerCount);
    int[] positionIds = checkedPositionIds(input);
    checkOutput("out", out, input);

    VirtualPerturbation none = VirtualPerturbation.none();
    Buffers a = buffers(buffers, input.positions());
    embeddings(input, positionIds, out, a, workers, none);
    layers(0, layerCount, input, out, a, workers, none);
  }

  /**
   * The second part of a split forward pass: layers {@code [fromLayer, layerCount())} on the hidden
   * states {@code hidden} holds (those after layer {@code fromLayer - 1}, or after the embeddings
   * for 0), in place; on return {@code hidden} holds the last hidden states. Only the attention
   * mask of {@code input} is read (ids and positions entered through the embeddings). Weights are
   * read as {@code perturbation} describes; the embeddings and layers below {@code fromLayer} are
   * not read, so a perturbation of them has no effect here: a caller that feeds states computed at
   * other weights must make sure it perturbs nothing below {@code fromLayer}.
   *
   * @param fromLayer 0 to {@link #layerCount()} ({@code layerCount()}: nothing to run)
   * @param hidden at least {@code input.positions() * hiddenSize()} floats, overwritten in place
   * @throws IllegalArgumentException if {@code fromLayer} is out of range or {@code hidden} is null
   *     or too short
   */
  public void forwardFromInto(
      EncoderInput input,
      int fromLayer,
      Workers workers,
      VirtualPerturbation perturbation,
      float[] hidden) {
    checkLayerIndex("fromLayer", fromLayer);
    checkOutput("hidden", hidden, input);

    Buffers a = buffers(buffers, input.positions());
    layers(fromLayer, layers.size(), input, hidden, a, workers, perturbation);
  }

  /**
   * {@link #forwardFromInto} for both halves of a two-sided MeZO sample, as {@link
   * #forwardPairInto} runs them: both halves start from the same states {@code given} (copied into
   * {@code outPlus} and {@code outMinus} first; {@code given} may be either of them), then layers
   * {@code [fromLayer, layerCount())} run at {@code plus} and at {@code plus} with its scale
   * negated, each perturbed weight read and its noise generated once for both. Each half is bit for
   * bit what {@link #forwardFromInto} gives at that sign.
   *
   * @throws IllegalArgumentException if {@code fromLayer} is out of range, a buffer is null or too
   *     short, or {@code outPlus} and {@code outMinus} are the same array
   */
  public void forwardFromPairInto(
      EncoderInput input,
      int fromLayer,
      Workers workers,
      VirtualPerturbation plus,
      float[] given,
      float[] outPlus,
      float[] outMinus) {
    checkLayerIndex("fromLayer", fromLayer);
    checkOutput("given", given, input);
    checkOutput("outPlus", outPlus, input);
    checkOutput("outMinus", outMinus, input);
    if (outPlus == outMinus) {
      throw new IllegalArgumentException("outPlus and outMinus must be two different arrays");
    }

    int n = input.positions() * hidden;
    if (given != outPlus) {
      System.arraycopy(given, 0, outPlus, 0, n);
    }
    if (given != outMinus) {
      System.arraycopy(given, 0, outMinus, 0, n);
    }
    Half p = new Half(outPlus, buffers(buffers, input.positions()));
    Half m = new Half(outMinus, buffers(minusBuffers, input.positions()));
    layersPair(fromLayer, input, p, m, workers, plus);
  }

  /**
   * Both halves of a two-sided MeZO sample in one pass: {@code {forward(input, workers, plus),
   * forward(input, workers, minus)}} where {@code minus} is {@code plus} with its scale negated,
   * each half bit-identical to that single call. Every perturbed weight is read and its noise
   * generated once for both signs ({@link MatMul#linearPair}, {@link Weights#readPair}): the
   * matrices are packed into a {@code +} and a {@code -} panel and the two batches run through them
   * in the same call. Costs one more set of activations than {@link #forward} (kept per thread,
   * like the first).
   *
   * @return {@code {hiddenPlus, hiddenMinus}}, each {@code [batch, seq, hidden]}
   * @throws IllegalArgumentException as {@link #forward(EncoderInput, Workers)}
   */
  public float[][] forwardPair(EncoderInput input, Workers workers, VirtualPerturbation plus) {
    float[] hiddenPlus = new float[input.positions() * hidden];
    float[] hiddenMinus = new float[input.positions() * hidden];
    forwardPairInto(input, workers, plus, hiddenPlus, hiddenMinus);
    return new float[][] {hiddenPlus, hiddenMinus};
  }

  /**
   * {@link #forwardPair} into two buffers the caller owns, under the contract of {@link
   * #forwardInto}: {@code outPlus} gets the {@code +eps} half's hidden states and {@code outMinus}
   * the {@code -eps} half's, each bit for bit what {@link #forwardPair} returns.
   *
   * @param outPlus at least {@code input.positions() * hiddenSize()} floats
   * @param outMinus as many, a different array
   * @throws IllegalArgumentException if a buffer is null or too short, if both are the same array,
   *     or as {@link #forward(EncoderInput, Workers)}
   */
  public void forwardPairInto(
      EncoderInput input,
      Workers workers,
      VirtualPerturbation plus,
      float[] outPlus,
      float[] outMinus) {
    int[] positionIds = checkedPositionIds(input);
    checkOutput("outPlus", outPlus, input);
    checkOutput("outMinus", outMinus, input);
    if (outPlus == outMinus) {
      throw new IllegalArgumentException("outPlus and outMinus must be two different arrays");
    }

    Half p = new Half(outPlus, buffers(buffers, input.positions()));
    Half m = new Half(outMinus, buffers(minusBuffers, input.positions()));
    embeddingsPair(input, positionIds, p, m, workers, plus);
    layersPair(0, input, p, m, workers, plus);
  }

  /**
   * A buffer for {@link #forwardInto} / {@link #forwardPairInto}: {@code reuse} if it can hold
   * {@code input}'s hidden states, else a new array of exactly {@code input.positions() *
   * hiddenSize()} floats. Keep the result and pass it back in on the next call: the buffer then
   * grows to the largest shape seen and is allocated once.
   *
   * @param reuse the previous buffer, or null
   */
  public float[] outputBuffer(float[] reuse, EncoderInput input) {
    int needed = input.positions() * hidden;
    return reuse != null && reuse.length >= needed ? reuse : new float[needed];
  }

  /** Throws unless {@code 0 <= index <= layerCount()}. */
  private void checkLayerIndex(String name, int index) {
    if (index < 0 || index > layers.size()) {
      throw new IllegalArgumentException(
          "%s is %d; expected 0 to %d (the encoder has %d layers)"
              .formatted(name, index, layers.size(), layers.size()));
    }
  }

  /**
   * Throws unless {@code out} can hold {@code input}'s hidden states (before anything is written).
   */
  void checkOutput(String name, float[] out, EncoderInput input) {
    long needed = (long) input.positions() * hidden;
    if (out == null || out.length < needed) {
      throw new IllegalArgumentException(
          "%s %s; the hidden states of [batch %d, seq %d] x hidden %d need at least %d floats"
              .formatted(
                  name,
                  out == null ? "is null" : "holds " + out.length + " floats",
                  input.batch(),
                  input.seq(),
                  hidden,
                  needed));
    }
  }

  /** One half of a paired pass: its hidden states and its activations. */
  private record Half(float[] h, Buffers a) {}

  private void embeddingsPair(
      EncoderInput input,
      int[] positionIds,
      Half p,
      Half m,
      Workers workers,
      VirtualPerturbation vp) {
    EmbeddingWeights e = embeddings;
    lookUpPair(e.word(), input.inputIds(), false, p, m, vp);
    lookUpPair(e.tokenType(), input.tokenTypeIds(), true, p, m, vp);
    lookUpPair(e.position(), positionIds, true, p, m, vp);
    normPair(input.positions(), e.normWeight(), e.normBias(), p, m, workers, vp);
  }

  /** {@link #lookUp} for both halves, each table element read and perturbed once. */
  private void lookUpPair(
      Parameter table, int[] ids, boolean add, Half p, Half m, VirtualPerturbation vp) {
    int rows = table.dim(0);
    if (table.dtype() == DType.F32 && !vp.covers(table)) {
      gather(table.f32Data(), rows, ids, add, p.h);
      gather(table.f32Data(), rows, ids, add, m.h);
      return;
    }
    Weights view = Weights.of(table, vp);
    if (rows <= ids.length) {
      float[] wholePlus = p.a.table(rows * hidden);
      float[] wholeMinus = m.a.table(rows * hidden);
      for (int r = 0; r < rows; r++) {
        view.readRowPair(r, wholePlus, r * hidden, wholeMinus, r * hidden);
      }
      gather(wholePlus, rows, ids, add, p.h);
      gather(wholeMinus, rows, ids, add, m.h);
      return;
    }
    float[] rowPlus = p.a.table(hidden);
    float[] rowMinus = m.a.table(hidden);
    for (int i = 0; i < ids.length; i++) {
      int o = i * hidden;
      if (add) {
        view.readRowPair(ids[i], rowPlus, 0, rowMinus, 0);
        for (int c = 0; c < hidden; c++) {
          p.h[o + c] += rowPlus[c];
          m.h[o + c] += rowMinus[c];
        }
      } else {
        view.readRowPair(ids[i], p.h, o, m.h, o);
      }
    }
  }

  /**
   * A vector parameter as both halves read it: returns the plus half's values (its own storage if
   * F32 and unperturbed, else {@code plusSlot}); the minus half's are then {@link #minusOf}.
   */
  private static float[] vectorPair(
      Parameter p, float[] plusSlot, float[] minusSlot, VirtualPerturbation vp) {
    if (p.dtype() == DType.F32 && !vp.covers(p)) {
      return p.f32Data();
    }
    Weights.of(p, vp).readRowPair(0, plusSlot, 0, minusSlot, 0);
    return plusSlot;
  }

  /** The minus half of what {@link #vectorPair} returned. */
  private static float[] minusOf(float[] plusValues, float[] plusSlot, float[] minusSlot) {
    return plusValues == plusSlot ? minusSlot : plusValues;
  }

  /** {@link #selfAttention} for both halves. */
  private void selfAttentionPair(
      LayerWeights l,
      Adapter[] ad,
      EncoderInput input,
      Half p,
      Half m,
      Workers workers,
      VirtualPerturbation vp) {
    int tokens = input.positions();
    Buffers ap = p.a;
    Buffers am = m.a;
    // query, key and value as one parallel loop (three biases: slots A, B, C)
    float[] bq = vectorPair(l.queryBias(), ap.vectorA, am.vectorA, vp);
    float[] bk = vectorPair(l.keyBias(), ap.vectorB, am.vectorB, vp);
    float[] bv = vectorPair(l.valueBias(), ap.vectorC, am.vectorC, vp);
    MatMul.linearManyPair(
        workers,
        p.h,
        m.h,
        tokens,
        hidden,
        new Weights[] {
          Weights.of(l.queryWeight(), vp),
          Weights.of(l.keyWeight(), vp),
          Weights.of(l.valueWeight(), vp)
        },
        new float[][] {bq, bk, bv},
        new float[][] {
          minusOf(bq, ap.vectorA, am.vectorA),
          minusOf(bk, ap.vectorB, am.vectorB),
          minusOf(bv, ap.vectorC, am.vectorC)
        },
        new float[][] {ap.query, ap.key, ap.value},
        new float[][] {am.query, am.key, am.value});
    addAdapterPair(
        ad[LoraTarget.QUERY.ordinal()],
        p.h,
        m.h,
        tokens,
        hidden,
        ap.query,
        am.query,
        p,
        m,
        workers,
        vp);
    addAdapterPair(
        ad[LoraTarget.KEY.ordinal()], p.h, m.h, tokens, hidden, ap.key, am.key, p, m, workers, vp);
    addAdapterPair(
        ad[LoraTarget.VALUE.ordinal()],
        p.h,
        m.h,
        tokens,
        hidden,
        ap.value,
        am.value,
        p,
        m,
        workers,
        vp);
    attention(ap, input, workers);
    attention(am, input, workers);
    float[] b = vectorPair(l.attentionOutBias(), ap.vectorA, am.vectorA, vp);
    MatMul.linearResidualPair(
        workers,
        ap.query,
        am.query,
        tokens,
        hidden,
        Weights.of(l.attentionOutWeight(), vp),
        b,
        minusOf(b, ap.vectorA, am.vectorA),
        hidden,
        p.h,
        m.h,
        p.h,
        m.h);
    addAdapterPair(
        ad[LoraTarget.ATTENTION_OUTPUT.ordinal()],
        ap.query,
        am.query,
        tokens,
        hidden,
        p.h,
        m.h,
        p,
        m,
        workers,
        vp);
    normPair(tokens, l.attentionNormWeight(), l.attentionNormBias(), p, m, workers, vp);
  }

  /** softmax(q k^T / sqrt(head_dim) + mask) v per sequence and head, over the queries. */
  private void attention(Buffers a, EncoderInput input, Workers workers) {
    Attention.apply(
        workers,
        a.query,
        a.key,
        a.value,
        input.batch(),
        input.seq(),
        heads,
        headDim,
        input.attentionMask(),
        a.query);
  }

  /** {@link #feedForward} for both halves. */
  private void feedForwardPair(
      LayerWeights l,
      Adapter[] ad,
      int tokens,
      Half p,
      Half m,
      Workers workers,
      VirtualPerturbation vp) {
    Buffers ap = p.a;
    Buffers am = m.a;
    float[] b = vectorPair(l.intermediateBias(), ap.vectorA, am.vectorA, vp);
    Adapter up = ad[LoraTarget.INTERMEDIATE.ordinal()];
    Weights w = Weights.of(l.intermediateWeight(), vp);
    float[] bMinus = minusOf(b, ap.vectorA, am.vectorA);
    if (up == null) {
      MatMul.linearGeluPair(
          workers,
          p.h,
          m.h,
          tokens,
          hidden,
          w,
          b,
          bMinus,
          intermediate,
          ap.intermediate,
          am.intermediate);
    } else {
      MatMul.linearPair(
          workers,
          p.h,
          m.h,
          tokens,
          hidden,
          w,
          b,
          bMinus,
          intermediate,
          ap.intermediate,
          am.intermediate);
      addAdapterPair(
          up, p.h, m.h, tokens, hidden, ap.intermediate, am.intermediate, p, m, workers, vp);
      Activations.geluInPlace(workers, ap.intermediate, tokens * intermediate);
      Activations.geluInPlace(workers, am.intermediate, tokens * intermediate);
    }
    b = vectorPair(l.outputBias(), ap.vectorA, am.vectorA, vp);
    MatMul.linearResidualPair(
        workers,
        ap.intermediate,
        am.intermediate,
        tokens,
        intermediate,
        Weights.of(l.outputWeight(), vp),
        b,
        minusOf(b, ap.vectorA, am.vectorA),
        hidden,
        p.h,
        m.h,
        p.h,
        m.h);
    addAdapterPair(
        ad[LoraTarget.OUTPUT.ordinal()],
        ap.intermediate,
        am.intermediate,
        tokens,
        intermediate,
        p.h,
        m.h,
        p,
        m,
        workers,
        vp);
    normPair(tokens, l.outputNormWeight(), l.outputNormBias(), p, m, workers, vp);
  }

  /** {@link #norm} for both halves, gain and bias read once. */
  private void normPair(
      int tokens,
      Parameter gamma,
      Parameter beta,
      Half p,
      Half m,
      Workers workers,
      VirtualPerturbation vp) {
    Buffers ap = p.a;
    Buffers am = m.a;
    float[] g = vectorPair(gamma, ap.vectorB, am.vectorB, vp);
    float[] b = vectorPair(beta, ap.vectorC, am.vectorC, vp);
    LayerNorm.apply(workers, p.h, tokens, hidden, g, b, eps, p.h);
    LayerNorm.apply(
        workers,
        m.h,
        tokens,
        hidden,
        minusOf(g, ap.vectorB, am.vectorB),
        minusOf(b, ap.vectorC, am.vectorC),
        eps,
        m.h);
  }

  /** This thread's activation set from {@code slot}, grown to {@code tokens} if needed. */
  private Buffers buffers(ThreadLocal<Buffers> slot, int tokens) {
    Buffers a = slot.get();
    if (a == null || a.tokens < tokens) {
      a = new Buffers(tokens, hidden, intermediate, lora == null ? 0 : lora.rank());
      slot.set(a);
    }
    return a;
  }

  /**
   * Word + token type + position embeddings, then layer norm, into {@code out [tokens, hidden]}.
   */
  private void embeddings(
      EncoderInput input,
      int[] positionIds,
      float[] out,
      Buffers a,
      Workers workers,
      VirtualPerturbation perturbation) {
    EmbeddingWeights e = embeddings;
    // word_embeddings [vocab_size, hidden]
    lookUp(e.word(), input.inputIds(), false, out, a, perturbation);
    // token_type_embeddings [type_vocab_size, hidden]
    lookUp(e.tokenType(), input.tokenTypeIds(), true, out, a, perturbation);
    // position_embeddings [max_position_embeddings, hidden]
    lookUp(e.position(), positionIds, true, out, a, perturbation);
    // LayerNorm [hidden]
    norm(out, input.positions(), e.normWeight(), e.normBias(), a, workers, perturbation);
  }

  /**
   * {@code out[i, :] (+)= table[ids[i], :]} with the table as {@code perturbation} reads it. A
   * perturbed or bf16 table is read only where needed: whole if it has no more rows than there are
   * ids (positions, token types), otherwise row by row for the ids (words). Both give the bits a
   * table perturbed in place would.
   */
  private void lookUp(
      Parameter table,
      int[] ids,
      boolean add,
      float[] out,
      Buffers a,
      VirtualPerturbation perturbation) {
    int rows = table.dim(0);
    boolean plain = table.dtype() == DType.F32 && !perturbation.covers(table);
    Weights view = Weights.of(table, perturbation);
    if (!plain && rows <= ids.length) {
      float[] whole = a.table(rows * hidden);
      view.readAll(whole);
      gather(whole, rows, ids, add, out);
      return;
    }
    Embedding.gather(view, ids, add, out, a.table(hidden));
  }

  private void gather(float[] table, int rows, int[] ids, boolean add, float[] out) {
    if (add) {
      Embedding.addGather(table, rows, hidden, ids, out);
    } else {
      Embedding.gather(table, rows, hidden, ids, out);
    }
  }

  /** A vector parameter as read: its own storage if F32 and unperturbed, else into {@code slot}. */
  private static float[] vector(Parameter p, float[] slot, VirtualPerturbation perturbation) {
    if (p.dtype() == DType.F32 && !perturbation.covers(p)) {
      return p.f32Data();
    }
    Weights.of(p, perturbation).readRow(0, slot, 0);
    return slot;
  }

  /** Layers {@code [from, to)} on {@code hiddenStates}, in place. */
  private void layers(
      int from,
      int to,
      EncoderInput input,
      float[] hiddenStates,
      Buffers a,
      Workers workers,
      VirtualPerturbation perturbation) {
    for (int i = from; i < to; i++) {
      layer(layers.get(i), adapters(i), input, hiddenStates, a, workers, perturbation);
    }
  }

  /** Layers {@code [from, layerCount())} on both halves, in place. */
  private void layersPair(
      int from, EncoderInput input, Half p, Half m, Workers workers, VirtualPerturbation plus) {
    for (int i = from; i < layers.size(); i++) {
      LayerWeights layer = layers.get(i);
      Adapter[] ad = adapters(i);
      selfAttentionPair(layer, ad, input, p, m, workers, plus);
      feedForwardPair(layer, ad, input.positions(), p, m, workers, plus);
    }
  }

  /** Layer {@code i}'s adapters by {@link LoraTarget#ordinal()} (all null without LoRA). */
  private Adapter[] adapters(int i) {
    return lora == null ? NO_ADAPTERS : adapters.get(i);
  }

  /**
   * {@code out[tokens, n] += (alpha / r) (x A^T) B^T} for adapter {@code ad} (nothing if null),
   * with A and B read as {@code vp} says: {@code x A^T} into {@code a.lora}, scaled, then its
   * product with B added to {@code out} in place.
   */
  private void addAdapter(
      Adapter ad,
      float[] x,
      int tokens,
      int in,
      float[] out,
      Buffers a,
      Workers workers,
      VirtualPerturbation vp) {
    if (ad == null) {
      return;
    }
    int r = lora.rank();
    MatMul.linear(workers, x, tokens, in, Weights.of(ad.a(), vp), null, r, a.lora);
    scaleLowRank(a.lora, tokens * r);
    MatMul.linearResidual(
        workers, a.lora, tokens, r, Weights.of(ad.b(), vp), null, ad.b().dim(0), out, out);
  }

  /** {@link #addAdapter} for both halves, each adapter element read and perturbed once. */
  private void addAdapterPair(
      Adapter ad,
      float[] xPlus,
      float[] xMinus,
      int tokens,
      int in,
      float[] outPlus,
      float[] outMinus,
      Half p,
      Half m,
      Workers workers,
      VirtualPerturbation vp) {
    if (ad == null) {
      return;
    }
    int r = lora.rank();
    MatMul.linearPair(
        workers,
        xPlus,
        xMinus,
        tokens,
        in,
        Weights.of(ad.a(), vp),
        null,
        null,
        r,
        p.a.lora,
        m.a.lora);
    scaleLowRank(p.a.lora, tokens * r);
    scaleLowRank(m.a.lora, tokens * r);
    MatMul.linearResidualPair(
        workers,
        p.a.lora,
        m.a.lora,
        tokens,
        r,
        Weights.of(ad.b(), vp),
        null,
        null,
        ad.b().dim(0),
        outPlus,
        outMinus,
        outPlus,
        outMinus);
  }

  /** {@code t[0, n) *= alpha / r}: tokens x r values, negligible beside the products. */
  private void scaleLowRank(float[] t, int n) {
    for (int i = 0; i < n; i++) {
      t[i] *= loraScale;
    }
  }

  /** One transformer layer: self-attention then feed-forward, each with residual + layer norm. */
  private void layer(
      LayerWeights l,
      Adapter[] ad,
      EncoderInput input,
      float[] hiddenStates,
      Buffers a,
      Workers workers,
      VirtualPerturbation perturbation) {
    selfAttention(l, ad, input, hiddenStates, a, workers, perturbation);
    feedForward(l, ad, input.positions(), hiddenStates, a, workers, perturbation);
  }

  /** hidden = LayerNorm(hidden + dense(attention(q, k, v))). */
  private void selfAttention(
      LayerWeights l,
      Adapter[] ad,
      EncoderInput input,
      float[] h,
      Buffers a,
      Workers workers,
      VirtualPerturbation vp) {
    int tokens = input.positions();
    // query, key, value: [hidden, hidden] + [hidden] each, as one parallel loop (the three
    // biases in slots A, B, C; the norm's slots B and C are read only after them)
    MatMul.linearMany(
        workers,
        h,
        tokens,
        hidden,
        new Weights[] {
          Weights.of(l.queryWeight(), vp),
          Weights.of(l.keyWeight(), vp),
          Weights.of(l.valueWeight(), vp)
        },
        new float[][] {
          vector(l.queryBias(), a.vectorA, vp),
          vector(l.keyBias(), a.vectorB, vp),
          vector(l.valueBias(), a.vectorC, vp)
        },
        new float[][] {a.query, a.key, a.value});
    addAdapter(ad[LoraTarget.QUERY.ordinal()], h, tokens, hidden, a.query, a, workers, vp);
    addAdapter(ad[LoraTarget.KEY.ordinal()], h, tokens, hidden, a.key, a, workers, vp);
    addAdapter(ad[LoraTarget.VALUE.ordinal()], h, tokens, hidden, a.value, a, workers, vp);
    // softmax(q k^T / sqrt(head_dim) + mask) v per sequence and head, written over the queries
    attention(a, input, workers);
    // attention.output.dense [hidden, hidden] + [hidden], plus the residual, in place
    MatMul.linearResidual(
        workers,
        a.query,
        tokens,
        hidden,
        Weights.of(l.attentionOutWeight(), vp),
        vector(l.attentionOutBias(), a.vectorA, vp),
        hidden,
        h,
        h);
    addAdapter(
        ad[LoraTarget.ATTENTION_OUTPUT.ordinal()], a.query, tokens, hidden, h, a, workers, vp);
    norm(h, tokens, l.attentionNormWeight(), l.attentionNormBias(), a, workers, vp);
  }

  /** hidden = LayerNorm(hidden + output.dense(gelu(intermediate.dense(hidden)))). */
  private void feedForward(
      LayerWeights l,
      Adapter[] ad,
      int tokens,
      float[] h,
      Buffers a,
      Workers workers,
      VirtualPerturbation vp) {
    // intermediate.dense [intermediate, hidden] + [intermediate], then GELU as tiles are stored
    // (with an adapter, after it is added: the same bits as the fused form for the sum)
    Adapter up = ad[LoraTarget.INTERMEDIATE.ordinal()];
    Weights w = Weights.of(l.intermediateWeight(), vp);
    float[] bias = vector(l.intermediateBias(), a.vectorA, vp);
    if (up == null) {
      MatMul.linearGelu(workers, h, tokens, hidden, w, bias, intermediate, a.intermediate);
    } else {
      MatMul.linear(workers, h, tokens, hidden, w, bias, intermediate, a.intermediate);
      addAdapter(up, h, tokens, hidden, a.intermediate, a, workers, vp);
      Activations.geluInPlace(workers, a.intermediate, tokens * intermediate);
    }
    // output.dense [hidden, intermediate] + [hidden], plus the residual, in place
    MatMul.linearResidual(
        workers,
        a.intermediate,
        tokens,
        intermediate,
        Weights.of(l.outputWeight(), vp),
        vector(l.outputBias(), a.vectorA, vp),
        hidden,
        h,
        h);
    addAdapter(
        ad[LoraTarget.OUTPUT.ordinal()], a.intermediate, tokens, intermediate, h, a, workers, vp);
    norm(h, tokens, l.outputNormWeight(), l.outputNormBias(), a, workers, vp);
  }

  /** h = LayerNorm(h), in place (HF adds the residual to the sublayer's output first). */
  private void norm(
      float[] h,
      int tokens,
      Parameter gamma,
      Parameter beta,
      Buffers a,
      Workers workers,
      VirtualPerturbation vp) {
    LayerNorm.apply(
        workers,
        h,
        tokens,
        hidden,
        vector(gamma, a.vectorB, vp),
        vector(beta, a.vectorC, vp),
        eps,
        h);
  }

  /** Position ids {@code [batch, seq]} for this family (see {@link PositionScheme}). */
  int[] positionIds(EncoderInput input) {
    int batch = input.batch();
    int seq = input.seq();
    int[] ids = new int[batch * seq];
    if (positions == PositionScheme.ABSOLUTE) {
      for (int i = 0; i < ids.length; i++) {
        ids[i] = i % seq;
      }
      return ids;
    }
    // HF create_position_ids_from_input_ids: count tokens that are not the pad token.
    int pad = config.padTokenId();
    for (int b = 0; b < batch; b++) {
      int count = 0;
      for (int t = 0; t < seq; t++) {
        int i = b * seq + t;
        if (input.inputIds()[i] != pad) {
          count++;
          ids[i] = pad + count;
        } else {
          ids[i] = pad;
        }
      }
    }
    return ids;
  }

  /** The position ids of {@code input}, after checking every id against its embedding table. */
  private int[] checkedPositionIds(EncoderInput input) {
    int[] positionIds = positionIds(input);
    checkRange(input, "inputIds", input.inputIds(), embeddings.word().dim(0), "vocab_size");
    checkRange(
        input,
        "tokenTypeIds",
        input.tokenTypeIds(),
        embeddings.tokenType().dim(0),
        "type_vocab_size");
    checkRange(
        input,
        "position ids",
        positionIds,
        embeddings.position().dim(0),
        "max_position_embeddings");
    return positionIds;
  }

  private static PositionScheme positionScheme(BertConfig config) {
    String type = config.modelType() == null ? "" : config.modelType().toLowerCase(Locale.ROOT);
    return switch (type) {
      case "bert", "" -> PositionScheme.ABSOLUTE;
      case "roberta", "xlm-roberta" -> PositionScheme.PADDING_OFFSET;
      default ->
          throw new IllegalArgumentException(
              "model_type '%s' is not supported; expected bert, roberta or xlm-roberta"
                  .formatted(config.modelType()));
    };
  }

  private static void checkRange(
      EncoderInput input, String field, int[] values, int limit, String limitName) {
    for (int i = 0; i < values.length; i++) {
      int v = values[i];
      if (v < 0 || v >= limit) {
        throw new IllegalArgumentException(
            "%s[%d] (sequence %d, position %d) is %d; expected 0 <= id < %s = %d"
                .formatted(field, i, i / input.seq(), i % input.seq(), v, limitName, limit));
      }
    }
  }

  private static int positive(String field, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(field + " must be >= 1, got " + value);
    }
    return value;
  }

  private static String detectPrefix(ParameterSet params) {
    String suffix = "embeddings.word_embeddings.weight";
    List<String> prefixes = new ArrayList<>();
    for (String name : params.names()) {
      if (name.endsWith(suffix)) {
        String p = name.substring(0, name.length() - suffix.length());
        if (p.isEmpty() || p.endsWith(".")) {
          prefixes.add(p);
        }
      }
    }
    if (prefixes.size() != 1) {
      throw new IllegalArgumentException(
          prefixes.isEmpty()
              ? "no tensor named [prefix.]%s among %d parameters; is this a BERT-family model?"
                  .formatted(suffix, params.count())
              : "several encoders in one parameter set (prefixes %s); pass the prefix explicitly"
                  .formatted(prefixes));
    }
    return prefixes.getFirst();
  }

  /** Looks up weights by HF name, checking shape, and records what is used. */
  private record WeightLookup(ParameterSet all, String prefix, List<Parameter> used) {
    Parameter get(String name, int... shape) {
      String full = prefix + name;
      if (!all.contains(full)) {
        throw new IllegalArgumentException("missing weight '%s'".formatted(full));
      }
      Parameter p = all.get(full);
      if (!Arrays.equals(p.shape(), shape)) {
        throw new IllegalArgumentException(
            "weight '%s' has shape %s; the config expects %s"
                .formatted(full, Arrays.toString(p.shape()), Arrays.toString(shape)));
      }
      used.add(p);
      return p;
    }
  }

  @Override
  public String toString() {
    return "BertEncoder[%s, layers=%d, hidden=%d, heads=%d, intermediate=%d%s]"
        .formatted(
            config.modelType(),
            layers.size(),
            hidden,
            heads,
            intermediate,
            lora == null ? "" : ", " + lora.spec());
  }
}
