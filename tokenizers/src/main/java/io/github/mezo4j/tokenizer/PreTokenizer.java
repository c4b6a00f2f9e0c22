package io.github.mezo4j.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code tokenizer.json} pre-tokenizer for BPE models: cuts normalized text into the pieces the
 * model encodes one by one, and may rewrite them (byte-level mapping, metaspace). Each piece keeps
 * the original spans of its code points.
 */
interface PreTokenizer {

  /** Adds the pieces of {@code text} to {@code out}, in order; empty pieces are left out. */
  void split(NormalizedText text, List<NormalizedText> out);

  /** GPT-2's pattern, which the {@code ByteLevel} pre-tokenizer uses when {@code use_regex}. */
  Pattern GPT2_PATTERN =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  /** How a {@code Split} pre-tokenizer treats the matches of its pattern. */
  enum Behavior {
    /** Matches are dropped. */
    REMOVED,
    /** Matches are pieces of their own. */
    ISOLATED,
    /** A match joins the piece before it. */
    MERGED_WITH_PREVIOUS,
    /** A match joins the piece after it. */
    MERGED_WITH_NEXT,
    /** Runs of matches (and runs of non-matches) become single pieces. */
    CONTIGUOUS
  }

  /** Runs {@code steps} one after the other, each on every piece of the previous. */
  static PreTokenizer sequence(List<PreTokenizer> steps) {
    List<PreTokenizer> copy = List.copyOf(steps);
    return (text, out) -> {
      List<NormalizedText> pieces = List.of(text);
      for (PreTokenizer step : copy) {
        List<NormalizedText> next = new ArrayList<>();
        for (NormalizedText p : pieces) {
          step.split(p, next);
        }
        pieces = next;
      }
      out.addAll(pieces);
    };
  }

  /**
   * {@code "type": "ByteLevel"}: optionally a space in front (when the piece does not start with
   * one), optionally GPT-2's split, then every UTF-8 byte becomes one printable character.
   */
  static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
    return (text, out) -> {
      NormalizedText t = text;
      if (addPrefixSpace && t.length() > 0 && t.codePoint(0) != ' ') {
        t = t.prepend(" ");
      }
      List<NormalizedText> pieces = new ArrayList<>();
      if (useRegex) {
        split(t, GPT2_PATTERN, Behavior.ISOLATED, false, pieces);
      } else if (t.length() > 0) {
        pieces.add(t);
      }
      for (NormalizedText p : pieces) {
        out.add(ByteLevel.toByteChars(p));
      }
    };
  }

  /** {@code "type": "Split"}: cuts at the matches of {@code pattern}. */
  static PreTokenizer split(Pattern pattern, Behavior behavior, boolean invert) {
    return (text, out) -> split(text, pattern, behavior, invert, out);
  }

  /** When {@code Metaspace} puts the replacement character in front of a piece. */
  enum PrependScheme {
    /** Every piece that does not start with it. */
    ALWAYS,
    /** Only the piece at the start of the input. */
    FIRST,
    /** Never. */
    NEVER
  }

  /**
   * {@code "type": "Metaspace"}: spaces become {@code replacement} (SentencePiece's "▁"), which is
   * put in front as {@code scheme} says; with {@code split}, each "▁" starts a new piece.
   */
  static PreTokenizer metaspace(int replacement, PrependScheme scheme, boolean splitPieces) {
    String rep = new String(Character.toChars(replacement));
    return (text, out) -> {
      NormalizedText t = new NormalizedText(text.length() + 1);
      for (int i = 0; i < text.length(); i++) {
        int cp = text.codePoint(i);
        t.append(cp == ' ' ? replacement : cp, text.originalStart(i), text.originalEnd(i));
      }
      boolean prepend =
          switch (scheme) {
            case ALWAYS -> true;
            case FIRST -> t.length() > 0 && t.originalStart(0) == 0;
            case NEVER -> false;
          };
      if (prepend && t.length() > 0 && t.codePoint(0) != replacement) {
        t = t.prepend(rep);
      }
      if (splitPieces) {
        split(t, Pattern.compile(Pattern.quote(rep)), Behavior.MERGED_WITH_NEXT, false, out);
      } else if (t.length() > 0) {
        out.add(t);
      }
    };
  }

  /**
   * Splits {@code text} at the matches of {@code pattern} as Hugging Face's {@code
   * NormalizedString::split} does.
   */
  static void split(
      NormalizedText text,
      Pattern pattern,
      Behavior behavior,
      boolean invert,
      List<NormalizedText> out) {
    if (text.length() == 0) {
      return;
    }
    RegexView view = new RegexView(text, 0, text.length());
    // (start, end, isMatch) triples in code points, covering the text.
    List<int[]> parts = new ArrayList<>();
    Matcher m = pattern.matcher(view.string());
    int prev = 0;
    while (m.find()) {
      int s = view.codePointIndex(m.start());
      int e = view.codePointIndex(m.end());
      if (s > prev) {
        parts.add(new int[] {prev, s, invert ? 1 : 0});
      }
      parts.add(new int[] {s, e, invert ? 0 : 1});
      prev = e;
    }
    if (prev < text.length()) {
      parts.add(new int[] {prev, text.length(), invert ? 1 : 0});
    }
    List<int[]> kept = new ArrayList<>();
    boolean previousMatch = false;
    switch (behavior) {
      case REMOVED -> {
        for (int[] p : parts) {
          if (p[2] == 0) {
            kept.add(p);
          }
        }
      }
      case ISOLATED -> kept.addAll(parts);
      case MERGED_WITH_PREVIOUS -> {
        for (int[] p : parts) {
          boolean match = p[2] == 1;
          if (match && !previousMatch && !kept.isEmpty()) {
            kept.getLast()[1] = p[1];
          } else {
            kept.add(p.clone());
          }
          previousMatch = match;
        }
      }
      case MERGED_WITH_NEXT -> {
        for (int i = parts.size() - 1; i >= 0; i--) {
          int[] p = parts.get(i);
          boolean match = p[2] == 1;
          if (match && !previousMatch && !kept.isEmpty()) {
            kept.getLast()[0] = p[0];
          } else {
            kept.add(p.clone());
          }
          previousMatch = match;
        }
        Collections.reverse(kept);
      }
      case CONTIGUOUS -> {
        for (int[] p : parts) {
          boolean match = p[2] == 1;
          if (match == previousMatch && !kept.isEmpty()) {
            kept.getLast()[1] = p[1];
          } else {
            kept.add(p.clone());
          }
          previousMatch = match;
        }
      }
    }
    for (int[] p : kept) {
      if (p[1] > p[0]) {
        out.add(text.slice(p[0], p[1]));
      }
    }
  }
}
