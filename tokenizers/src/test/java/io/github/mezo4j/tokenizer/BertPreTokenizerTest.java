package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-checked splits of the BERT pre-tokenizer. */
class BertPreTokenizerTest {
  private final BertPreTokenizer pre = new BertPreTokenizer();

  private List<String> words(String text) {
    return pre.split(text).stream().map(BertPreTokenizer.Word::text).toList();
  }

  @Test
  void splitsOnWhitespaceAndIsolatesEachPunctuationCharacter() {
    assertEquals(List.of("hello", ",", "world", "!", "!"), words("hello, world!!"));
    assertEquals(List.of("state", "-", "of", "-", "the", "-", "art"), words("state-of-the-art"));
    assertEquals(List.of("3", ".", "14"), words("3.14"));
    assertEquals(List.of("$", "5", "+", "x", "^", "2"), words("$5 + x^2"));
  }

  @Test
  void offsetsAreUtf16IndicesIntoTheText() {
    List<BertPreTokenizer.Word> w = pre.split(" ab \uD83D\uDE00x, y");
    assertEquals(new BertPreTokenizer.Word("ab", 1, 3), w.get(0));
    assertEquals(new BertPreTokenizer.Word("\uD83D\uDE00x", 4, 7), w.get(1));
    assertEquals(new BertPreTokenizer.Word(",", 7, 8), w.get(2));
    assertEquals(new BertPreTokenizer.Word("y", 9, 10), w.get(3));
  }

  @Test
  void unicodeWhitespaceAndPunctuation() {
    assertEquals(List.of("a", "b", "c"), words("a\u00A0b\u2003c"));
    assertEquals(List.of("「", "引", "」", "。"), words("「引」。"));
    assertEquals(List.of("a€b"), words("a€b")); // a currency symbol is not punctuation
    assertEquals(List.of("a\u2E43b"), words("a\u2E43b")); // Unicode 9 dash: not in 8.0 tables
  }

  @Test
  void emptyAndBlankTextHaveNoWords() {
    assertEquals(List.of(), words(""));
    assertEquals(List.of(), words(" \t\n "));
  }
}
