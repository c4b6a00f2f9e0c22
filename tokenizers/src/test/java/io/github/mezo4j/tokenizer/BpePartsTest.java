package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The BPE building blocks on the examples Hugging Face documents for them. */
class BpePartsTest {

  private static List<String> split(String text, PreTokenizer.Behavior behavior) {
    List<NormalizedText> out = new ArrayList<>();
    PreTokenizer.split(
        NormalizedText.of(text, 0, text.length()), Pattern.compile("-"), behavior, false, out);
    return out.stream().map(NormalizedText::toString).toList();
  }

  @Test
  void splitBehavioursMatchTheDocumentedExample() {
    // The example of SplitDelimiterBehavior in the tokenizers documentation.
    String text = "the-final--countdown";
    assertEquals(List.of("the", "final", "countdown"), split(text, PreTokenizer.Behavior.REMOVED));
    assertEquals(
        List.of("the", "-", "final", "-", "-", "countdown"),
        split(text, PreTokenizer.Behavior.ISOLATED));
    assertEquals(
        List.of("the-", "final-", "-", "countdown"),
        split(text, PreTokenizer.Behavior.MERGED_WITH_PREVIOUS));
    assertEquals(
        List.of("the", "-final", "-", "-countdown"),
        split(text, PreTokenizer.Behavior.MERGED_WITH_NEXT));
    assertEquals(
        List.of("the", "-", "final", "--", "countdown"),
        split(text, PreTokenizer.Behavior.CONTIGUOUS));
  }

  @Test
  void byteLevelMapsEveryByteToItsOwnPrintableCharacter() {
    Set<Integer> chars = new HashSet<>();
    for (int b = 0; b < 256; b++) {
      int c = ByteLevel.charOf(b);
      chars.add(c);
      assertEquals(b, ByteLevel.byteOf(c));
      assertEquals(false, Character.isWhitespace(c) || Character.isISOControl(c), "byte " + b);
    }
    assertEquals(256, chars.size());
    assertEquals('Ġ', ByteLevel.charOf(' '));
    assertEquals('Ċ', ByteLevel.charOf('\n'));
    assertEquals('A', ByteLevel.charOf('A'));
    assertEquals("ĠðŁ¤Ĺ", ByteLevel.toByteChars(" 🤗"));
  }

  @Test
  void byteFallbackDecodesRunsAndReplacesInvalidOnesBytePerByte() {
    byte[] ri = "日".getBytes(StandardCharsets.UTF_8);
    List<String> tokens = new ArrayList<>();
    for (byte b : ri) {
      tokens.add(String.format("<0x%02X>", b & 0xFF));
    }
    assertEquals(
        List.of("a", "日", "b"),
        fallback(List.of("a", tokens.get(0), tokens.get(1), tokens.get(2), "b")));
    // A run cut short is not UTF-8: one U+FFFD per byte token.
    assertEquals(
        List.of("\uFFFD", "\uFFFD", "x"), fallback(List.of(tokens.get(0), tokens.get(1), "x")));
    assertEquals(List.of("<0x4>", "<0xZZ>"), fallback(List.of("<0x4>", "<0xZZ>")));
  }

  private static List<String> fallback(List<String> tokens) {
    return TokenDecoder.byteFallback().decodeChain(tokens);
  }

  @Test
  void stripAndMetaspaceDecoders() {
    assertEquals(
        List.of("hello", "  x ", " "),
        TokenDecoder.strip(' ', 1, 0).decodeChain(List.of(" hello", "   x ", "  ")));
    assertEquals(
        List.of("Hey", " friend!"),
        TokenDecoder.metaspace('▁', true).decodeChain(List.of("▁Hey", "▁friend!")));
    assertEquals(
        List.of(" Hey", " friend!"),
        TokenDecoder.metaspace('▁', false).decodeChain(List.of("▁Hey", "▁friend!")));
  }

  @Test
  void mergesApplyByRankLeftmostFirst() {
    // "aaa" with the single merge a+a: the leftmost pair merges first, as Hugging Face does.
    BpeModel model =
        new BpeModel(
            Map.of("a", 0, "aa", 1, "b", 2, "ab", 3, "aab", 4),
            List.of(
                new BpeModel.Merge("a", "a"),
                new BpeModel.Merge("a", "b"),
                new BpeModel.Merge("aa", "b")),
            null,
            false,
            false,
            false,
            null,
            null);
    assertEquals(List.of("aa", "a"), model.tokenize("aaa"));
    // rank 0 (a+a) beats rank 1 (a+b), then aa+b applies.
    assertEquals(List.of("aab"), model.tokenize("aab"));
    // With a+b ranked first the same word ends differently: no rule merges "a" and "ab".
    BpeModel reversed =
        new BpeModel(
            Map.of("a", 0, "aa", 1, "b", 2, "ab", 3, "aab", 4),
            List.of(
                new BpeModel.Merge("a", "b"),
                new BpeModel.Merge("a", "a"),
                new BpeModel.Merge("aa", "b")),
            null,
            false,
            false,
            false,
            null,
            null);
    assertEquals(List.of("a", "ab"), reversed.tokenize("aab"));
  }
}
