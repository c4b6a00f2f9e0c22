package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.kernels.Pooling;
import java.util.Objects;

/**
 * Sentence embeddings from a {@link BertEncoder}: run the encoder, pool each sequence's hidden
 * states ({@link SentencePooling}), optionally L2-normalise. For all-MiniLM-L6-v2 use {@code MEAN}
 * with normalisation; for bge-small, {@code CLS} with normalisation.
 *
 * <p>Reads the encoder's live parameters on every call, like the encoder itself. With a {@link
 * FrozenPrefixCache} ({@link #withPrefixCache}) every pass, the {@link #hiddenStatesInto} family
 * and {@link #embed} alike, takes the frozen lower layers' output from the cache and runs only the
 * layers above: the same bits at every real token, less work.
 */
public final class SentenceEmbedder {
  private final BertEncoder encoder;
  private final SentencePooling pooling;
  private final boolean normalize;
  private final FrozenPrefixCache prefixCache; // null: every pass runs the whole encoder

  /**
   * Embeds with the whole encoder on every pass.
   *
   * @param encoder the encoder to run
   * @param pooling how to reduce a sequence's hidden states to one vector
   * @param normalize whether to scale each embedding to unit L2 norm
   */
  public SentenceEmbedder(BertEncoder encoder, SentencePooling pooling, boolean normalize) {
    this(encoder, pooling, normalize, null);
  }

  private SentenceEmbedder(
      BertEncoder encoder,
      SentencePooling pooling,
      boolean normalize,
      FrozenPrefixCache prefixCache) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.pooling = Objects.requireNonNull(pooling, "pooling");
    this.normalize = normalize;
    if (prefixCache != null && prefixCache.encoder() != encoder) {
      throw new IllegalArgumentException(
          "the prefix cache belongs to another encoder (%s)".formatted(prefixCache.encoder()));
    }
    this.prefixCache = prefixCache;
  }

  /**
   * This embedder with its passes served by {@code cache} (built over this embedder's encoder), or
   * with none ({@code null}): every pass runs the whole encoder.
   */
  public SentenceEmbedder withPrefixCache(FrozenPrefixCache cache) {
    return new SentenceEmbedder(encoder, pooling, normalize, cache);
  }

  /** The cache of frozen lower layers' outputs in use, or null. */
  public FrozenPrefixCache prefixCache() {
    return prefixCache;
  }

  /**
   * The encoder's last hidden states at {@code perturbation}, into {@code out}: {@link
   * BertEncoder#forwardInto}, or through the {@link #prefixCache()} when there is one.
   */
  public void hiddenStatesInto(
      EncoderInput input, Workers workers, VirtualPerturbation perturbation, float[] out) {
    if (prefixCache != null) {
      prefixCache.forwardInto(input, workers, perturbation, out);
    } else {
      encoder.forwardInto(input, workers, perturbation, out);
    }
  }

  /** {@link #hiddenStatesInto} into a new array of {@code input.positions() * dimension()}. */
  public float[] hiddenStates(
      EncoderInput input, Workers workers, VirtualPerturbation perturbation) {
    float[] out = new float[input.positions() * encoder.hiddenSize()];
    hiddenStatesInto(input, workers, perturbation, out);
    return out;
  }

  /**
   * Both halves of a two-sided sample: {@link BertEncoder#forwardPairInto}, or through the {@link
   * #prefixCache()} when there is one.
   */
  public void hiddenStatesPairInto(
      EncoderInput input,
      Workers workers,
      VirtualPerturbation plus,
      float[] outPlus,
      float[] outMinus) {
    if (prefixCache != null) {
      prefixCache.forwardPairInto(input, workers, plus, outPlus, outMinus);
    } else {
      encoder.forwardPairInto(input, workers, plus, outPlus, outMinus);
    }
  }

  /** The encoder that computes the hidden states. */
  public BertEncoder encoder() {
    return encoder;
  }

  /** How a sequence's hidden states become one vector. */
  public SentencePooling pooling() {
    return pooling;
  }

  /** Whether embeddings are scaled to unit L2 norm. */
  public boolean normalize() {
    return normalize;
  }

  /** Width of the embeddings. */
  public int dimension() {
    return encoder.hiddenSize();
  }

  /** One embedding per sequence: {@code [batch, hidden]} row-major. */
  public float[] embed(EncoderInput input, Workers workers) {
    return pool(
        hiddenStates(input, workers, VirtualPerturbation.none()),
        input,
        encoder.hiddenSize(),
        pooling,
        normalize);
  }

  /**
   * Pools last hidden states {@code [batch, seq, dim]} (from any encoder) into {@code [batch,
   * dim]}, using {@code input}'s attention mask for {@link SentencePooling#MEAN}. Reads the first
   * {@code batch * seq * dim} floats of {@code hidden}, which may be longer (a reused {@link
   * BertEncoder#forwardInto} buffer).
   */
  public static float[] pool(
      float[] hidden, EncoderInput input, int dim, SentencePooling pooling, boolean normalize) {
    int batch = input.batch();
    int seq = input.seq();
    if (hidden.length < (long) batch * seq * dim) {
      throw new IllegalArgumentException(
          "hidden states hold %d floats; expected at least batch*seq*dim = %d*%d*%d"
              .formatted(hidden.length, batch, seq, dim));
    }
    float[] out = new float[batch * dim];
    switch (pooling) {
      case MEAN -> Pooling.meanMasked(hidden, batch, seq, dim, input.attentionMask(), out);
      case CLS -> Pooling.cls(hidden, batch, seq, dim, out);
    }
    if (normalize) {
      Pooling.l2NormalizeRows(out, batch, dim);
    }
    return out;
  }

  @Override
  public String toString() {
    return "SentenceEmbedder[%s, %s%s%s]"
        .formatted(
            encoder,
            pooling,
            normalize ? ", L2-normalised" : "",
            prefixCache == null ? "" : ", " + prefixCache);
  }
}
