package io.github.mezo4j.tokenizer;

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

  /** Hugging Face tokenizers' truncation of one text or a pair to {@code budget} tokens. */
  static void apply(TokenSequence a, TokenSequence b, int budget, Truncation t) {
    if (budget == 0) {
      a.truncate(0, t.side());
      if (b != null) {
        b.truncate(0, t.side());
      }
      return;
    }
    int total = a.length() + (b == null ? 0 : b.length());
    if (total <= budget) {
      return;
    }
    int toRemove = total - budget;
    switch (t.strategy()) {
      case LONGEST_FIRST -> {
        if (b == null) {
          a.truncate(budget, t.side());
          return;
        }
        // n1 is the shorter text. If it fits in what the longer one leaves, only the longer one is
        // cut; otherwise each gets half, the longer one the odd token.
        int n1 = Math.min(a.length(), b.length());
        int n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
        if (n1 + n2 > budget) {
          n1 = budget / 2;
          n2 = n1 + budget % 2;
        }
        boolean aIsLonger = a.length() > b.length();
        a.truncate(aIsLonger ? n2 : n1, t.side());
        b.truncate(aIsLonger ? n1 : n2, t.side());
      }
      case ONLY_FIRST, ONLY_SECOND -> {
        TokenSequence target = t.strategy() == Truncation.Strategy.ONLY_FIRST ? a : b;
        if (target == null) {
          throw new IllegalArgumentException(
              "truncation ONLY_SECOND needs a second text, but only one was given");
        }
        if (target.length() <= toRemove) {
          throw new IllegalArgumentException(
              "truncation "
                  + t.strategy()
                  + " cannot reach maxLength "
                  + t.maxLength()
                  + ": the "
                  + (target == a ? "first" : "second")
                  + " text has "
                  + target.length()
                  + " tokens but "
                  + toRemove
                  + " must go");
        }
        target.truncate(target.length() - toRemove, t.side());
      }
    }
  }
}
