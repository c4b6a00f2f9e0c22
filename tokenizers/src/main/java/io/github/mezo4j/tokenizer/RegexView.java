package io.github.mezo4j.tokenizer;

/**
 * Code points {@code [from, to)} of a {@link NormalizedText} as a Java string, for regular
 * expressions, with the way back from UTF-16 indices of matches to code point indices.
 */
final class RegexView {
  private final String string;
  private final int[] codePointAt; // UTF-16 index -> code point index (relative to from)

  RegexView(NormalizedText text, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from + 8);
    for (int i = from; i < to; i++) {
      sb.appendCodePoint(text.codePoint(i));
    }
    string = sb.toString();
    codePointAt = new int[string.length() + 1];
    int cp = 0;
    for (int u = 0; u < string.length(); ) {
      int next = u + Character.charCount(string.codePointAt(u));
      for (int k = u; k < next; k++) {
        codePointAt[k] = cp;
      }
      u = next;
      cp++;
    }
    codePointAt[string.length()] = cp;
  }

  String string() {
    return string;
  }

  /** The code point index (relative to {@code from}) of UTF-16 index {@code utf16}. */
  int codePointIndex(int utf16) {
    return codePointAt[utf16];
  }
}
