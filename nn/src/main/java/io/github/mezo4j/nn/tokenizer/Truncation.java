package io.github.mezo4j.nn.tokenizer;

import java.util.Objects;

/**
 * How long inputs are cut, as Hugging Face tokenizers does it. The limit counts the special tokens
 * the post-processor adds ({@code [CLS]}, {@code [SEP]}), so {@code maxLength} is the length of the
 * final encoding (before padding).
 *
 * <pre>{@code
 * tokenizer.withTruncation(Truncation.longestFirst(128));
 * tokenizer.withTruncation(new Truncation(64, Truncation.Strategy.ONLY_SECOND, Side.LEFT));
 * }</pre>
 *
 * @param maxLength the longest encoding to produce; must leave room for the special tokens
 * @param strategy which of a pair of texts loses tokens
 * @param side whether tokens are removed from the end (usual) or the start of a text
 */
public record Truncation(int maxLength, Strategy strategy, Side side) {

  /** Which text of a pair is shortened. */
  public enum Strategy {
    /**
     * Share the budget: if the shorter text fits in half, the longer one takes the rest; otherwise
     * both get half (the longer one the odd token). A single text is simply cut.
     */
    LONGEST_FIRST,
    /** Shorten only the first text; fails if that is not enough. */
    ONLY_FIRST,
    /** Shorten only the second text; fails if that is not enough or there is none. */
    ONLY_SECOND
  }

  /** Checks the values. */
  public Truncation {
    if (maxLength < 0) {
      throw new IllegalArgumentException("truncation maxLength must be >= 0, got " + maxLength);
    }
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(side, "side");
  }

  /** Longest-first truncation from the right to {@code maxLength} tokens. */
  public static Truncation longestFirst(int maxLength) {
    return new Truncation(maxLength, Strategy.LONGEST_FIRST, Side.RIGHT);
  }
}
