package io.github.mezo4j.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * The model input made from one text or one pair of texts: what a BERT encoder takes ({@code
 * input_ids}, {@code token_type_ids}, {@code attention_mask}) plus the tokens and where each came
 * from. All arrays have {@link #length()} elements and belong to the caller: the tokenizer keeps no
 * reference to them.
 *
 * <pre>{@code
 * Encoding e = tokenizer.encode("Hello world!");
 * e.ids();            // [101, 7592, 2088, 999, 102]
 * e.tokens();         // [[CLS], hello, world, !, [SEP]]
 * e.offsetStarts();   // [0, 0, 6, 11, 0]  (UTF-16 indices into the text)
 * }</pre>
 *
 * @param ids token ids ({@code input_ids})
 * @param typeIds segment ids ({@code token_type_ids}): 0 for the first text, 1 for the second
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokens the token strings
 * @param offsetStarts for each token, the first UTF-16 index of the text it came from, or 0 for
 *     special and padding tokens
 * @param offsetEnds for each token, one past its last UTF-16 index, or 0 for special and padding
 *     tokens
 * @param sequenceIds for each token, 0 if it came from the first text, 1 from the second, -1 for
 *     special and padding tokens (offsets index into the text named here)
 */
public record Encoding(
    int[] ids,
    int[] typeIds,
    int[] attentionMask,
    List<String> tokens,
    int[] offsetStarts,
    int[] offsetEnds,
    int[] sequenceIds) {

  /** Checks that every part has the same length. */
  public Encoding {
    int n = ids.length;
    if (typeIds.length != n
        || attentionMask.length != n
        || tokens.size() != n
        || offsetStarts.length != n
        || offsetEnds.length != n
        || sequenceIds.length != n) {
      throw new IllegalArgumentException("all parts of an encoding must have the same length");
    }
    tokens = List.copyOf(tokens);
  }

  /** The number of tokens, padding included. */
  public int length() {
    return ids.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Encoding e
        && Arrays.equals(ids, e.ids)
        && Arrays.equals(typeIds, e.typeIds)
        && Arrays.equals(attentionMask, e.attentionMask)
        && tokens.equals(e.tokens)
        && Arrays.equals(offsetStarts, e.offsetStarts)
        && Arrays.equals(offsetEnds, e.offsetEnds)
        && Arrays.equals(sequenceIds, e.sequenceIds);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + tokens.hashCode();
  }

  @Override
  public String toString() {
    return "Encoding[ids="
        + Arrays.toString(ids)
        + ", typeIds="
        + Arrays.toString(typeIds)
        + ", attentionMask="
        + Arrays.toString(attentionMask)
        + ", tokens="
        + tokens
        + "]";
  }
}
