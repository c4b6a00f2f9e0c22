package io.github.mezo4j.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts added tokens out of the input the way Hugging Face tokenizers does: first the tokens that
 * are not normalized are found in the raw text, then the normalized ones in the normalized
 * remainder. At each step the leftmost match wins, the longest among those starting at the same
 * place; single-word, lstrip and rstrip options then filter or widen it.
 */
final class AddedVocabulary {

  /** Receives the pieces of one input in order. */
  interface SegmentSink {
    /** An added token found at original span {@code [start, end)}; value is its matched text. */
    void token(int id, String value, int start, int end);

    /** Normalized text to pre-tokenize: code points {@code [from, to)} of {@code text}. */
    void text(NormalizedText text, int from, int to);
  }

  private final TextNormalizer normalizer; // null: no normalization
  private final Matcher raw;
  private final Matcher normalized;

  AddedVocabulary(List<AddedToken> tokens, TextNormalizer normalizer) {
    this.normalizer = normalizer;
    // Special tokens first, then the others, each in file order; a content seen twice keeps its
    // first definition.
    Map<String, AddedToken> ordered = new LinkedHashMap<>();
    for (AddedToken t : tokens) {
      if (t.special()) {
        ordered.putIfAbsent(t.content(), t);
      }
    }
    for (AddedToken t : tokens) {
      if (!t.special()) {
        ordered.putIfAbsent(t.content(), t);
      }
    }
    List<AddedToken> rawTokens = new ArrayList<>();
    List<int[]> rawPatterns = new ArrayList<>();
    List<AddedToken> normTokens = new ArrayList<>();
    List<int[]> normPatterns = new ArrayList<>();
    for (AddedToken t : ordered.values()) {
      if (t.normalized()) {
        String pattern = normalizer == null ? t.content() : normalizer.normalize(t.content());
        if (!pattern.isEmpty()) {
          normTokens.add(t);
          normPatterns.add(pattern.codePoints().toArray());
        }
      } else {
        rawTokens.add(t);
        rawPatterns.add(t.content().codePoints().toArray());
      }
    }
    this.raw = new Matcher(rawTokens, rawPatterns);
    this.normalized = new Matcher(normTokens, normPatterns);
  }

  /** Splits {@code text} into added tokens and normalized text pieces, in order. */
  void split(String text, SegmentSink sink) {
    NormalizedText input = NormalizedText.of(text, 0, text.length());
    raw.findMatches(
        input,
        0,
        input.length(),
        new SegmentSink() {
          @Override
          public void token(int id, String value, int start, int end) {
            sink.token(id, value, start, end);
          }

          @Override
          public void text(NormalizedText piece, int from, int to) {
            NormalizedText norm =
                normalizer == null ? piece : normalizer.normalize(piece, from, to);
            int normFrom = normalizer == null ? from : 0;
            int normTo = normalizer == null ? to : norm.length();
            normalized.findMatches(norm, normFrom, normTo, sink);
          }
        });
  }

  /** Finds one set of patterns, leftmost first and longest at equal starts. */
  private static final class Matcher {
    private final AddedToken[] tokens;
    private final int[][] patterns;
    // Pattern indexes by first code point, longest pattern first.
    private final Map<Integer, int[]> byFirst = new HashMap<>();
    private final long[] firstBmp = new long[0x10000 / 64];

    Matcher(List<AddedToken> tokens, List<int[]> patterns) {
      this.tokens = tokens.toArray(new AddedToken[0]);
      this.patterns = patterns.toArray(new int[0][]);
      Map<Integer, List<Integer>> groups = new HashMap<>();
      for (int i = 0; i < this.patterns.length; i++) {
        int first = this.patterns[i][0];
        groups.computeIfAbsent(first, k -> new ArrayList<>()).add(i);
        if (first < 0x10000) {
          firstBmp[first >>> 6] |= 1L << first;
        }
      }
      groups.forEach(
          (first, list) -> {
            // Stable sort keeps file order among equally long patterns.
            list.sort((a, b) -> this.patterns[b].length - this.patterns[a].length);
            byFirst.put(first, list.stream().mapToInt(Integer::intValue).toArray());
          });
    }

    /** Reports tokens and the text between them for code points {@code [from, to)}. */
    void findMatches(NormalizedText text, int from, int to, SegmentSink sink) {
      if (patterns.length == 0) {
        sink.text(text, from, to);
        return;
      }
      int pieceStart = from; // where the next unreported text starts
      int pos = from; // where the next match search starts
      while (pos < to) {
        int matchStart = -1;
        int pattern = -1;
        for (int s = pos; s < to && matchStart < 0; s++) {
          pattern = longestAt(text, s, to);
          if (pattern >= 0) {
            matchStart = s;
          }
        }
        if (matchStart < 0) {
          break;
        }
        int matchEnd = matchStart + patterns[pattern].length;
        pos = matchEnd; // the search goes on after this match even if it is rejected below
        AddedToken token = tokens[pattern];
        if (token.singleWord()
            && ((matchStart > from && isWordChar(text.codePoint(matchStart - 1)))
                || (matchEnd < to && isWordChar(text.codePoint(matchEnd))))) {
          continue;
        }
        int start = matchStart;
        int end = matchEnd;
        if (token.lstrip()) {
          int s = start;
          while (s > from && BertCharacters.isWhitespace(text.codePoint(s - 1))) {
            s--;
          }
          start = Math.max(s, pieceStart);
        }
        if (token.rstrip()) {
          while (end < to && BertCharacters.isWhitespace(text.codePoint(end))) {
            end++;
          }
        }
        if (pieceStart < start) {
          sink.text(text, pieceStart, start);
        }
        sink.token(
            token.id(),
            text.substring(start, end),
            text.originalStart(start),
            text.originalEnd(end - 1));
        pieceStart = end;
      }
      if (pieceStart < to || from == to) {
        sink.text(text, pieceStart, to);
      }
    }

    private int longestAt(NormalizedText text, int s, int to) {
      int cp = text.codePoint(s);
      if (cp < 0x10000 && (firstBmp[cp >>> 6] & (1L << cp)) == 0) {
        return -1;
      }
      int[] candidates = byFirst.get(cp);
      if (candidates == null) {
        return -1;
      }
      for (int c : candidates) {
        int[] p = patterns[c];
        if (s + p.length > to) {
          continue;
        }
        boolean match = true;
        for (int k = 1; k < p.length && match; k++) {
          match = text.codePoint(s + k) == p[k];
        }
        if (match) {
          return c;
        }
      }
      return -1;
    }

    /**
     * A regex word character ({@code \w} of Rust's regex crate): alphabetic, mark, decimal digit,
     * connector punctuation or join control. Uses the JDK's Unicode data.
     */
    private static boolean isWordChar(int cp) {
      if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
        return true;
      }
      int type = Character.getType(cp);
      return type == Character.NON_SPACING_MARK
          || type == Character.ENCLOSING_MARK
          || type == Character.COMBINING_SPACING_MARK
          || type == Character.DECIMAL_DIGIT_NUMBER
          || type == Character.CONNECTOR_PUNCTUATION;
    }
  }
}
