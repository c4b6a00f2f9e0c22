package io.github.mezo4j.nn.tokenizer;

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
   * Unicode normalization, one run at a time (a run is a starter and the combining marks after it).
   * Alignment follows Hugging Face: a run that keeps its length maps code point to code point; one
   * that shrinks (composition) gives its i-th output the span of its i-th input; one that grows
   * (decomposition) gives the extra code points the span of the run's last input.
   */
  static TextNormalizer unicode(Normalizer.Form form) {
    return (in, from, to) -> {
      NormalizedText out = new NormalizedText(to - from);
      int runStart = from;
      StringBuilder run = new StringBuilder();
      for (int i = from; i <= to; i++) {
        boolean starter = i == to || isStarter(in.codePoint(i));
        if (starter && i > runStart) {
          int[] normalized = Normalizer.normalize(run, form).codePoints().toArray();
          int n = i - runStart;
          for (int k = 0; k < normalized.length; k++) {
            int source = runStart + Math.min(k, n - 1);
            out.append(normalized[k], in.originalStart(source), in.originalEnd(source));
          }
          run.setLength(0);
          runStart = i;
        }
        if (i < to) {
          run.appendCodePoint(in.codePoint(i));
        }
      }
      return out;
    };
  }

  private static boolean isStarter(int cp) {
    // Only combining marks attach to the character before them.
    int type = Character.getType(cp);
    return type != Character.NON_SPACING_MARK
        && type != Character.COMBINING_SPACING_MARK
        && type != Character.ENCLOSING_MARK;
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
