package io.github.mezo4j.train.data;

import java.util.Objects;

/**
 * One example of a sentence-pair task ({@link PairTask}): two texts embedded separately, and their
 * gold similarity.
 *
 * @param first the first sentence (for positive pairs: the query), non-empty
 * @param second the second sentence (for positive pairs: the passage), non-empty
 * @param score the gold score as read (scored pairs: in the task's range; labeled pairs: 0 or 1;
 *     positive pairs: 1)
 */
public record TextPair(String first, String second, double score) {
  /** Checks that both texts are present and the score is finite. */
  public TextPair {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(second, "second");
    if (first.isBlank() || second.isBlank()) {
      throw new IllegalArgumentException("a pair needs two non-empty texts");
    }
    if (!Double.isFinite(score)) {
      throw new IllegalArgumentException("a pair's score must be finite, got " + score);
    }
  }

  /** A positive (query, passage) pair. */
  public static TextPair positive(String query, String passage) {
    return new TextPair(query, passage, 1);
  }
}
