package io.github.mezo4j.tokenizer;

import java.util.Objects;

/**
 * A token from {@code tokenizer.json}'s {@code added_tokens}: text that is cut out of the input
 * before normalization and WordPiece and encoded as one id. BERT files list their special tokens
 * here ({@code [CLS]}, {@code [SEP]}, {@code [PAD]}, {@code [UNK]}, {@code [MASK]}), so writing
 * "[MASK]" in a text yields the mask id, as in Hugging Face tokenizers.
 *
 * @param id the token's id
 * @param content the text to find
 * @param singleWord match only when not preceded or followed by a word character
 * @param lstrip the match swallows whitespace on its left
 * @param rstrip the match swallows whitespace on its right
 * @param normalized match against the normalized text (with the content normalized too) instead of
 *     the raw input
 * @param special a special token (such tokens are matched before the others)
 */
public record AddedToken(
    int id,
    String content,
    boolean singleWord,
    boolean lstrip,
    boolean rstrip,
    boolean normalized,
    boolean special) {

  /** Checks the content. */
  public AddedToken {
    Objects.requireNonNull(content, "content");
    if (content.isEmpty()) {
      throw new IllegalArgumentException("added token " + id + " has empty content");
    }
  }
}
