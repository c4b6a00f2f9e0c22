package io.github.mezo4j.tokenizer;

/**
 * The BERT normalizer of Hugging Face tokenizers ({@code "type": "BertNormalizer"}), applied in its
 * order: clean text, space out Chinese characters, strip accents, lowercase.
 *
 * <ul>
 *   <li>{@code cleanText}: drop U+0000, U+FFFD and control/format/private-use characters; turn
 *       every whitespace character into a plain space.
 *   <li>{@code handleChineseChars}: put spaces around each CJK ideograph so it becomes its own
 *       word.
 *   <li>{@code stripAccents}: decompose (NFD) and drop nonspacing marks: "Ångström" becomes
 *       "Angstrom".
 *   <li>{@code lowercase}: lowercase each character (context free: Σ always becomes σ).
 * </ul>
 *
 * <pre>{@code
 * var normalizer = BertNormalizer.uncased();
 * normalizer.normalize("Crème Brûlée");   // "creme brulee"
 * }</pre>
 *
 * @param cleanText remove control characters and unify whitespace
 * @param handleChineseChars surround CJK ideographs with spaces
 * @param stripAccents remove accents; {@code tokenizer.json}'s {@code null} means "same as
 *     lowercase" and is resolved by {@link #of}
 * @param lowercase lowercase the text
 */
public record BertNormalizer(
    boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

  /** The normalizer of uncased BERT models such as all-MiniLM-L6-v2: every step on. */
  public static BertNormalizer uncased() {
    return new BertNormalizer(true, true, true, true);
  }

  /**
   * A normalizer configured as in {@code tokenizer.json}, where {@code stripAccents == null} means
   * "strip accents exactly when lowercasing".
   */
  public static BertNormalizer of(
      boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase) {
    return new BertNormalizer(
        cleanText, handleChineseChars, stripAccents == null ? lowercase : stripAccents, lowercase);
  }

  /** Normalizes {@code text}. */
  public String normalize(String text) {
    NormalizedText aligned = NormalizedText.of(text, 0, text.length());
    return normalize(aligned, 0, aligned.length()).toString();
  }

  /**
   * Normalizes code points {@code [from, to)} of aligned text; every output code point keeps the
   * span of the input it came from.
   */
  NormalizedText normalize(NormalizedText in, int from, int to) {
    NormalizedText out = new NormalizedText((to - from) + (to - from) / 4);
    for (int i = from; i < to; i++) {
      int cp = in.codePoint(i);
      int start = in.originalStart(i);
      int end = in.originalEnd(i);
      if (cleanText) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
          cp = ' ';
        } else if (BertCharacters.isRemovedByCleanText(cp)) {
          continue;
        } else if (BertCharacters.isWhitespace(cp)) {
          cp = ' ';
        }
      }
      if (handleChineseChars && BertCharacters.isChineseChar(cp)) {
        out.append(' ', start, end);
        appendAccentsAndCase(out, cp, start, end);
        out.append(' ', start, end);
      } else {
        appendAccentsAndCase(out, cp, start, end);
      }
    }
    return out;
  }

  private void appendAccentsAndCase(NormalizedText out, int cp, int start, int end) {
    if (!stripAccents) {
      appendLowercase(out, cp, start, end);
      return;
    }
    int[] decomposed = BertCharacters.decompose(cp);
    if (decomposed.length == 0) {
      if (!BertCharacters.isNonspacingMark(cp)) {
        appendLowercase(out, cp, start, end);
      }
      return;
    }
    for (int part : decomposed) {
      if (!BertCharacters.isNonspacingMark(part)) {
        appendLowercase(out, part, start, end);
      }
    }
  }

  private void appendLowercase(NormalizedText out, int cp, int start, int end) {
    if (!lowercase) {
      out.append(cp, start, end);
      return;
    }
    int lower = BertCharacters.lowercase(cp);
    if (lower >= 0) {
      out.append(lower, start, end);
    } else {
      // U+0130 (capital I with dot above) lowercases to two code points.
      out.append('i', start, end);
      out.append(0x307, start, end);
    }
  }
}
