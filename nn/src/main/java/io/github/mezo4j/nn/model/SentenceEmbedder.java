package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.kernels.Pooling;
import java.util.Objects;

/**
 * Sentence embeddings from a {@link BertEncoder}: run the encoder, pool each sequence's hidden
 * states ({@link SentencePooling}), optionally L2-normalise. For all-MiniLM-L6-v2 use {@code MEAN}
 * with normalisation; for bge-small, {@code CLS} with normalisation.
 *
 * <p>Reads the encoder's live parameters on every call, like the encoder itself.
 */
public final class SentenceEmbedder {
  private final BertEncoder encoder;
  private final SentencePooling pooling;
  private final boolean normalize;

  /**
   * @param encoder the encoder to run
   * @param pooling how to reduce a sequence's hidden states to one vector
   * @param normalize whether to scale each embedding to unit L2 norm
   */
  public SentenceEmbedder(BertEncoder encoder, SentencePooling pooling, boolean normalize) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.pooling = Objects.requireNonNull(pooling, "pooling");
    this.normalize = normalize;
  }

  public BertEncoder encoder() {
    return encoder;
  }

  public SentencePooling pooling() {
    return pooling;
  }

  public boolean normalize() {
    return normalize;
  }

  /** Width of the embeddings. */
  public int dimension() {
    return encoder.hiddenSize();
  }

  /** One embedding per sequence: {@code [batch, hidden]} row-major. */
  public float[] embed(EncoderInput input, Workers workers) {
    return pool(encoder.forward(input, workers), input, encoder.hiddenSize(), pooling, normalize);
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
    return "SentenceEmbedder[%s, %s%s]"
        .formatted(encoder, pooling, normalize ? ", L2-normalised" : "");
  }
}
