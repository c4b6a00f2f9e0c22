package io.github.mezo4j.tokenizer;

/**
 * A {@code tokenizer.json} normalizer: rewrites text while every output code point keeps the span
 * of the input it came from, so offsets still point into the user's text.
 */
interface TextNormalizer {

  /** Normalizes code points {@code [from, to)} of {@code in} into a new text. */
  NormalizedText normalize(NormalizedText in, int from, int to);

  /** Normalizes a plain string (used for added tokens with {@code normalized: true}). */
  default String normalize(String text) {
    NormalizedText aligned = NormalizedText.of(text, 0, text.length());
    return normalize(aligned, 0, aligned.length()).toString();
  }

  /** The BERT normalizer as a {@code TextNormalizer}; {@code null} stays {@code null}. */
  static TextNormalizer of(BertNormalizer bert) {
    return bert == null ? null : bert::normalize;
  }
}
