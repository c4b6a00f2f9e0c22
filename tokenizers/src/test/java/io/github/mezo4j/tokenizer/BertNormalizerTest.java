package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Hand-checked cases for each step of the BERT normalizer. */
class BertNormalizerTest {

  @Test
  void uncasedLowercasesAndStripsAccents() {
    BertNormalizer n = BertNormalizer.uncased();
    assertEquals("cafe naive angstrom", n.normalize("Café Naïve Ångström"));
    assertEquals("creme brulee", n.normalize("Crème Brûlée"));
  }

  @Test
  void stripAccentsNullFollowsLowercase() {
    assertEquals(true, BertNormalizer.of(true, true, null, true).stripAccents());
    assertEquals(false, BertNormalizer.of(true, true, null, false).stripAccents());
    assertEquals(true, BertNormalizer.of(true, true, true, false).stripAccents());
    assertEquals("Café", BertNormalizer.of(true, true, null, false).normalize("Café"));
    assertEquals("Cafe", BertNormalizer.of(true, true, true, false).normalize("Café"));
    assertEquals("café", BertNormalizer.of(true, true, false, true).normalize("Café"));
  }

  @Test
  void cleanTextDropsControlsAndUnifiesWhitespace() {
    BertNormalizer clean = new BertNormalizer(true, false, false, false);
    assertEquals("ab", clean.normalize("a\u0000b"));
    assertEquals("ab", clean.normalize("a\uFFFDb"));
    assertEquals("ab", clean.normalize("a\u200Bb")); // zero width space is a format character
    assertEquals("a b c d", clean.normalize("a\tb\nc\rd"));
    assertEquals("a b c", clean.normalize("a\u00A0b\u3000c"));
    assertEquals("ab", clean.normalize("a\u0085b")); // NEL is a control character first
    assertEquals("a\u0000b", new BertNormalizer(false, false, false, false).normalize("a\u0000b"));
  }

  @Test
  void chineseCharactersAreSpacedOut() {
    BertNormalizer chinese = new BertNormalizer(false, true, false, false);
    assertEquals("a 中  文 b", chinese.normalize("a中文b"));
    assertEquals("x \uD840\uDC00 y", chinese.normalize("x\uD840\uDC00y")); // U+20000
    assertEquals("こんにちは", chinese.normalize("こんにちは")); // kana are not spaced
    assertEquals("한국어", chinese.normalize("한국어"));
  }

  @Test
  void lowercaseIsContextFreeAndFull() {
    BertNormalizer lower = new BertNormalizer(false, false, false, true);
    assertEquals("οδοσ", lower.normalize("ΟΔΟΣ")); // no final sigma
    assertEquals("i\u0307stanbul", lower.normalize("İstanbul"));
    assertEquals("straße", lower.normalize("STRAßE"));
  }

  @Test
  void strippingHappensBeforeLowercasing() {
    // İ: strip first (I + U+0307 -> I), then lowercase -> "i"; the other order would keep U+0307.
    assertEquals("istanbul", BertNormalizer.uncased().normalize("İstanbul"));
  }

  @Test
  void loneSurrogatesReadAsReplacementCharacter() {
    assertEquals("ab", BertNormalizer.uncased().normalize("a\uD800b"));
    assertEquals("a\uFFFDb", new BertNormalizer(false, false, false, false).normalize("a\uDC00b"));
  }
}
