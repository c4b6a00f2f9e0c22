package io.github.mezo4j.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** The truncation and padding steps every tokenizer here runs around its model. */
final class EncodingSteps {
  private EncodingSteps() {}

  /**
   * Truncates a text or pair so that it fits {@code truncation.maxLength()} with the special tokens
   * {@code postProcessor} will add.
   *
   * @throws IllegalArgumentException if the limit leaves no room for the special tokens
   */
  static void truncate(
      TokenSequence a,
      TokenSequence b,
      Truncation truncation,
      PostProcessor postProcessor,
      boolean addSpecialTokens) {
    int added = addSpecialTokens ? postProcessor.addedTokens(b != null) : 0;
    int budget = truncation.maxLength() - added;
    if (budget < 0) {
      throw new IllegalArgumentException(
          "truncation maxLength "
              + truncation.maxLength()
              + " leaves no room for the "
              + added
              + " special tokens of "
              + (b == null ? "a single text" : "a pair"));
    }
    Truncation.apply(a, b, budget, truncation);
  }

  /** One encoding, padded as configured ({@code padding} null: none). */
  static Encoding padded(TokenSequence sequence, Padding padding) {
    if (padding != null) {
      sequence.pad(padding.targetLength(sequence.length()), padding);
    }
    return sequence.toEncoding();
  }

  /** A batch's encodings, padded together (batch-longest padding uses the longest's length). */
  static List<Encoding> paddedTogether(List<TokenSequence> sequences, Padding padding) {
    int longest = 0;
    for (TokenSequence s : sequences) {
      longest = Math.max(longest, s.length());
    }
    List<Encoding> result = new ArrayList<>(sequences.size());
    for (TokenSequence s : sequences) {
      if (padding != null) {
        s.pad(padding.targetLength(longest), padding);
      }
      result.add(s.toEncoding());
    }
    return result;
  }
}
