package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every code point against what Hugging Face tokenizers was observed to do with it
 * (tools/tokenizer-reference/probe-char-classes.mjs ran each one through the Rust library's BERT
 * normalizer and pre-tokenizer). Mismatches are collected and reported together.
 */
class BertCharactersTest {
  private static JsonNode probe;

  @BeforeAll
  static void readProbe() throws IOException {
    try (InputStream in =
        BertCharactersTest.class.getResourceAsStream("/tokenizer/hf-char-classes.json")) {
      probe = new ObjectMapper().readTree(in);
    }
  }

  private static BitSet set(String name) {
    BitSet bits = new BitSet(0x110000);
    for (JsonNode range : probe.get(name)) {
      bits.set(range.get(0).asInt(), range.get(1).asInt() + 1);
    }
    return bits;
  }

  private static String map(String name, int cp) {
    JsonNode v = probe.get(name).get(Integer.toString(cp));
    if (v == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    v.forEach(x -> sb.appendCodePoint(x.asInt()));
    return sb.toString();
  }

  private static boolean isSurrogate(int cp) {
    return cp >= 0xD800 && cp <= 0xDFFF;
  }

  private static void assertNoMismatch(List<String> mismatches) {
    assertTrue(
        mismatches.isEmpty(),
        mismatches.size()
            + " code points differ, first ones: "
            + mismatches.stream().limit(10).toList());
  }

  @Test
  void cleanTextRemovesAndSpacesExactlyTheReferenceCharacters() {
    BitSet removed = set("cleanRemoved");
    BitSet toSpace = set("cleanToSpace");
    BertNormalizer clean = new BertNormalizer(true, false, false, false);
    List<String> mismatches = new ArrayList<>();
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if (isSurrogate(cp)) {
        continue;
      }
      String c = Character.toString(cp);
      String expected = removed.get(cp) ? "" : toSpace.get(cp) ? " " : c;
      String actual = clean.normalize(c);
      if (!expected.equals(actual)) {
        mismatches.add(String.format("U+%04X", cp));
      }
    }
    assertNoMismatch(mismatches);
  }

  @Test
  void punctuationWhitespaceAndChineseClassesMatchTheReference() {
    BitSet punctuation = set("punctuation");
    BitSet whitespace = set("splitWhitespace");
    BitSet chinese = set("chinese");
    List<String> mismatches = new ArrayList<>();
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if (BertCharacters.isPunctuation(cp) != punctuation.get(cp)
          || BertCharacters.isWhitespace(cp) != whitespace.get(cp)
          || BertCharacters.isChineseChar(cp) != chinese.get(cp)) {
        mismatches.add(String.format("U+%04X", cp));
      }
    }
    assertNoMismatch(mismatches);
  }

  @Test
  void lowercaseMatchesTheReferenceOnEveryCodePoint() {
    BertNormalizer lower = new BertNormalizer(false, false, false, true);
    List<String> mismatches = new ArrayList<>();
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if (isSurrogate(cp)) {
        continue;
      }
      String c = Character.toString(cp);
      String expected = map("lowercase", cp);
      if (!(expected == null ? c : expected).equals(lower.normalize(c))) {
        mismatches.add(String.format("U+%04X", cp));
      }
    }
    assertNoMismatch(mismatches);
  }

  @Test
  void decompositionAndAccentStrippingMatchTheReferenceOnEveryCodePoint() {
    BertNormalizer strip = new BertNormalizer(false, false, true, false);
    List<String> mismatches = new ArrayList<>();
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if (isSurrogate(cp)) {
        continue;
      }
      String c = Character.toString(cp);
      String nfd = map("nfd", cp);
      if (nfd == null) {
        nfd = hangul(cp);
      }
      int[] decomposed = BertCharacters.decompose(cp);
      String actualNfd = decomposed.length == 0 ? c : new String(decomposed, 0, decomposed.length);
      String stripped = map("stripAccents", cp);
      if (!nfd.equals(actualNfd)
          || !(stripped == null ? nfd : stripped).equals(strip.normalize(c))) {
        mismatches.add(String.format("U+%04X", cp));
      }
    }
    assertNoMismatch(mismatches);
  }

  /** Hangul syllables decompose by formula (the probe checked it and stored none of them). */
  private static String hangul(int cp) {
    if (cp < 0xAC00 || cp > 0xD7A3) {
      return Character.toString(cp);
    }
    int s = cp - 0xAC00;
    StringBuilder sb = new StringBuilder();
    sb.appendCodePoint(0x1100 + s / 588).appendCodePoint(0x1161 + (s % 588) / 28);
    if (s % 28 != 0) {
      sb.appendCodePoint(0x11A7 + s % 28);
    }
    return sb.toString();
  }

  @Test
  void handPickedClassesFromTheReferenceSource() {
    // Cf (format) characters are removed, a Unicode 9 one is not: the reference uses Unicode 8.
    assertTrue(BertCharacters.isRemovedByCleanText(0x200D)); // zero width joiner
    assertTrue(!BertCharacters.isRemovedByCleanText(0x08E2)); // Unicode 9 format character
    // Symbols in ASCII count as punctuation, symbols elsewhere do not.
    assertTrue(BertCharacters.isPunctuation('$') && BertCharacters.isPunctuation('`'));
    assertTrue(!BertCharacters.isPunctuation(0x20AC)); // euro sign
    assertTrue(BertCharacters.isPunctuation(0x3002)); // ideographic full stop
    // U+2B820 is in Google BERT's CJK ranges but not in tokenizers'.
    assertTrue(BertCharacters.isChineseChar(0x2B81F) && !BertCharacters.isChineseChar(0x2B820));
    assertEquals(0x3C3, BertCharacters.lowercase(0x3A3)); // Σ -> σ, never final ς
  }
}
