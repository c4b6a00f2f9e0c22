package io.github.mezo4j.tokenizer;

import java.util.Arrays;

/**
 * Text as code points, each remembering the span of the original string (UTF-16 indices) it came
 * from, so that tokens found in normalized text can report offsets into the user's input.
 */
final class NormalizedText {
  private int[] codePoints;
  private int[] originalStart;
  private int[] originalEnd;
  private int length;

  NormalizedText(int capacity) {
    codePoints = new int[Math.max(capacity, 4)];
    originalStart = new int[codePoints.length];
    originalEnd = new int[codePoints.length];
  }

  /**
   * The code points of {@code text[from, to)}, each aligned to itself. A lone surrogate becomes
   * U+FFFD, as it does when a Java or JavaScript string reaches the Rust reference.
   */
  static NormalizedText of(String text, int from, int to) {
    NormalizedText result = new NormalizedText(to - from);
    for (int i = from; i < to; ) {
      int cp = text.codePointAt(i);
      int next = i + Character.charCount(cp);
      if (next > to) {
        cp = text.charAt(i);
        next = i + 1;
      }
      if (cp <= 0xFFFF && Character.isSurrogate((char) cp)) {
        cp = 0xFFFD;
      }
      result.append(cp, i, next);
      i = next;
    }
    return result;
  }

  void append(int cp, int start, int end) {
    if (length == codePoints.length) {
      int capacity = length * 2;
      codePoints = Arrays.copyOf(codePoints, capacity);
      originalStart = Arrays.copyOf(originalStart, capacity);
      originalEnd = Arrays.copyOf(originalEnd, capacity);
    }
    codePoints[length] = cp;
    originalStart[length] = start;
    originalEnd[length] = end;
    length++;
  }

  int length() {
    return length;
  }

  int codePoint(int i) {
    return codePoints[i];
  }

  int originalStart(int i) {
    return originalStart[i];
  }

  int originalEnd(int i) {
    return originalEnd[i];
  }

  /** A copy of code points {@code [from, to)}, keeping their spans. */
  NormalizedText slice(int from, int to) {
    NormalizedText out = new NormalizedText(to - from);
    for (int i = from; i < to; i++) {
      out.append(codePoints[i], originalStart[i], originalEnd[i]);
    }
    return out;
  }

  /**
   * This text with {@code prefix} in front, the prefix aligned to the first code point's span as
   * Hugging Face's {@code NormalizedString::prepend} does. Empty text stays empty.
   */
  NormalizedText prepend(String prefix) {
    if (length == 0) {
      return this;
    }
    NormalizedText out = new NormalizedText(length + prefix.length());
    prefix.codePoints().forEach(cp -> out.append(cp, originalStart[0], originalEnd[0]));
    for (int i = 0; i < length; i++) {
      out.append(codePoints[i], originalStart[i], originalEnd[i]);
    }
    return out;
  }

  /** The code points {@code [from, to)} as a string. */
  String substring(int from, int to) {
    return new String(codePoints, from, to - from);
  }

  @Override
  public String toString() {
    return substring(0, length);
  }
}
