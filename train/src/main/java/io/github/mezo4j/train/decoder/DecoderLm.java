package io.github.mezo4j.train.decoder;

import io.github.mezo4j.nn.model.DecoderModel;
import io.github.mezo4j.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A decoder language model with its tokenizer, as the fine-tuning code uses it: texts become token
 * ids that always start with the model's beginning-of-sequence token (so the first real token is
 * predicted from something), and {@link #parametersElementCount} counts what MeZO trains.
 *
 * <p>Llama-family tokenizers (llama2.c, SentencePiece BPE) add BOS themselves; byte-level BPE
 * tokenizers (GPT-2) add nothing, so BOS is put first here, as OPT's tokenizer does (its {@code
 * </s>}) and as the MeZO paper's OPT inputs begin.
 *
 * @param model the decoder; its parameters are what MeZO perturbs and updates, in place
 * @param tokenizer the model's tokenizer
 * @param bosId the beginning-of-sequence id put first, or -1 to put nothing (the tokenizer's own
 *     special tokens are then all there is; a text must then encode to at least one token)
 * @param maxLength the longest sequence scored (at most the model's positions)
 */
public record DecoderLm(DecoderModel model, Tokenizer tokenizer, int bosId, int maxLength) {

  /** Checks the ids and lengths against the model. */
  public DecoderLm {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(tokenizer, "tokenizer");
    if (bosId >= model.vocabSize()) {
      throw new IllegalArgumentException(
          "BOS id %d is outside the model's vocabulary of %d".formatted(bosId, model.vocabSize()));
    }
    if (maxLength < 2 || maxLength > model.config().maxPositions()) {
      throw new IllegalArgumentException(
          "maxLength %d: expected 2 .. the model's %d positions"
              .formatted(maxLength, model.config().maxPositions()));
    }
  }

  /**
   * The usual setup: BOS from the model's config (else the tokenizer's), sequences up to the
   * model's positions.
   */
  public static DecoderLm of(DecoderModel model, Tokenizer tokenizer) {
    int bos = model.config().bosTokenId();
    if (bos < 0) {
      bos = tokenizer.bosId().orElse(-1);
    }
    return new DecoderLm(model, tokenizer, bos, model.config().maxPositions());
  }

  /** The ids of {@code text}, BOS first (when the model has one), not truncated. */
  public int[] encode(String text) {
    int[] ids = tokenizer.encode(text).ids();
    if (bosId >= 0 && (ids.length == 0 || ids[0] != bosId)) {
      int[] withBos = new int[ids.length + 1];
      withBos[0] = bosId;
      System.arraycopy(ids, 0, withBos, 1, ids.length);
      ids = withBos;
    }
    for (int id : ids) {
      if (id < 0 || id >= model.vocabSize()) {
        throw new IllegalArgumentException(
            "the tokenizer gave id %d for '%s', outside the model's vocabulary of %d: is it the"
                    .formatted(id, abbreviate(text), model.vocabSize())
                + " model's tokenizer?");
      }
    }
    return ids;
  }

  /** Weights MeZO trains: every parameter the model reads (a tied head once). */
  public long parametersElementCount() {
    return model.parameters().elementCount();
  }

  /** The first {@link #maxLength} ids of {@code ids} (language modelling keeps the start). */
  int[] keepStart(int[] ids) {
    return ids.length <= maxLength ? ids : Arrays.copyOf(ids, maxLength);
  }

  static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }
}
