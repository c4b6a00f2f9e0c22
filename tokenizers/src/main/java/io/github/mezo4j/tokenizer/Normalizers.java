package io.github.mezo4j.tokenizer;

import java.text.Normalizer;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code tokenizer.json} normalizers besides BERT's: {@code Sequence}, {@code Prepend}, {@code
 * Replace}, {@code NFC}/{@code NFD}/{@code NFKC}/{@code NFKD}, {@code Lowercase} and {@code Strip}.
 * Llama 2, Mistral and TinyLlama files use {@code Sequence[Prepend("▁"), Replace(" ", "▁")]}.
 */
final class Normalizers {
  private Normalizers() {}

  /** Applies {@code steps} in order. */
  static TextNormalizer sequence(List<TextNormalizer> steps) {
    List<TextNormalizer> copy = List.copyOf(steps);
    return (in, from, to) -> {
      NormalizedText text = in.slice(from, to);
      for (TextNormalizer step : copy) {
        text = step.normalize(text, 0, text.length());
      }
      return text;
    };
  }

  /** Puts {@code prefix} in front of non-empty text. */
  static TextNormalizer prepend(String prefix) {
    return (in, from, to) -> in.slice(from, to).prepend(prefix);
  }

  /**
   * Replaces every match of {@code pattern} with {@code content}; the replacement spans what the
   * match spanned.
   */
  static TextNormalizer replace(Pattern pattern, String content) {
    int[] replacement = content.codePoints().toArray();
    return (in, from, to) -> {
      RegexView view = new RegexView(in, from, to);
      NormalizedText out = new NormalizedText(to - from);
      Matcher m = pattern.matcher(view.string());
      int done = 0; // code points of the view copied so far
      while (m.find()) {
        if (m.end() == m.start()) {
          continue; // an empty match replaces nothing
        }
        int s = view.codePointIndex(m.start());
        int e = view.codePointIndex(m.end());
        for (int i = done; i < s; i++) {
          out.append(in.codePoint(from + i), in.originalStart(from + i), in.originalEnd(from + i));
        }
        int spanStart = in.originalStart(from + s);
        int spanEnd = in.originalEnd(from + e - 1);
        for (int cp : replacement) {
          out.append(cp, spanStart, spanEnd);
        }
        done = e;
      }
      for (int i = from + done; i < to; i++) {
        out.append(in.codePoint(i), in.originalStart(i), in.originalEnd(i));
      }
      return out;
    };
  }

  /**
   * Unicode normalization with Hugging Face's alignment: decomposition gives each resulting code
   * point the span of the character it came from, by position (canonical reordering moves
   * characters but not spans); composition gives the composed character the span of its first part,
   * and the characters it absorbed disappear.
   */
  static TextNormalizer unicode(Normalizer.Form form) {
    boolean compose = form == Normalizer.Form.NFC || form == Normalizer.Form.NFKC;
    Normalizer.Form decomposition =
        form == Normalizer.Form.NFC || form == Normalizer.Form.NFD
            ? Normalizer.Form.NFD
            : Normalizer.Form.NFKD;
    return (in, from, to) -> {
      String text = in.substring(from, to);
      if (Normalizer.isNormalized(text, form)) {
        return in.slice(from, to);
      }
      // Spans by position in the decomposed text: each character's own decomposition, in order.
      int[] decomposed = Normalizer.normalize(text, decomposition).codePoints().toArray();
      int[] spanStart = new int[decomposed.length];
      int[] spanEnd = new int[decomposed.length];
      int k = 0;
      for (int i = from; i < to && k < decomposed.length; i++) {
        String d =
            Normalizer.normalize(new String(Character.toChars(in.codePoint(i))), decomposition);
        int parts = d.codePointCount(0, d.length());
        for (int p = 0; p < parts && k < decomposed.length; p++, k++) {
          spanStart[k] = in.originalStart(i);
          spanEnd[k] = in.originalEnd(i);
        }
      }
      for (; k < decomposed.length; k++) {
        spanStart[k] = in.originalStart(to - 1);
        spanEnd[k] = in.originalEnd(to - 1);
      }
      NormalizedText out = new NormalizedText(decomposed.length);
      if (!compose) {
        for (int j = 0; j < decomposed.length; j++) {
          out.append(decomposed[j], spanStart[j], spanEnd[j]);
        }
        return out;
      }
      boolean[] used = new boolean[decomposed.length];
      int next = 0; // the first decomposed code point not yet used
      for (int c : Normalizer.normalize(text, form).codePoints().toArray()) {
        while (next < decomposed.length && used[next]) {
          next++;
        }
        int at = Math.min(next, decomposed.length - 1);
        out.append(c, spanStart[at], spanEnd[at]);
        if (next >= decomposed.length) {
          continue;
        }
        used[next] = true;
        if (decomposed[next] != c) {
          // A composed character: its other parts are used up wherever they come next.
          int[] parts =
              Normalizer.normalize(new String(Character.toChars(c)), decomposition)
                  .codePoints()
                  .toArray();
          int search = next + 1;
          for (int p = 1; p < parts.length; p++) {
            for (int j = search; j < decomposed.length; j++) {
              if (!used[j] && decomposed[j] == parts[p]) {
                used[j] = true;
                search = j + 1;
                break;
              }
            }
          }
        }
      }
      return out;
    };
  }

  /** Lowercases each code point on its own (Σ always becomes σ, İ becomes "i̇"), as Rust does. */
  static TextNormalizer lowercase() {
    return (in, from, to) -> {
      NormalizedText out = new NormalizedText(to - from);
      for (int i = from; i < to; i++) {
        int cp = in.codePoint(i);
        int s = in.originalStart(i);
        int e = in.originalEnd(i);
        int lower = Character.toLowerCase(cp);
        if (cp == 0x130) {
          out.append('i', s, e);
          out.append(0x307, s, e);
        } else {
          out.append(lower, s, e);
        }
      }
      return out;
    };
  }

  /** Removes white space at the start and/or end. */
  static TextNormalizer strip(boolean left, boolean right) {
    return (in, from, to) -> {
      int s = from;
      int e = to;
      while (left && s < e && Character.isWhitespace(in.codePoint(s))) {
        s++;
      }
      while (right && e > s && Character.isWhitespace(in.codePoint(e - 1))) {
        e--;
      }
      return in.slice(s, e);
    };
  }
}
