package io.github.mezo4j.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The BERT pre-tokenizer of Hugging Face tokenizers ({@code "type": "BertPreTokenizer"}): splits
 * normalized text into words at whitespace (which is dropped) and makes every punctuation character
 * a word of its own. Punctuation means ASCII punctuation ({@code !"#$%&'()*+,-./:;<=>?@
 * [\]^_`{|}~}) or a Unicode P* category, as in the reference's Unicode 8.0 tables.
 *
 * <pre>{@code
 * new BertPreTokenizer().split("hello, world!!");
 * // [hello [0,5), "," [5,6), world [7,12), "!" [12,13), "!" [13,14)]
 * }</pre>
 */
public final class BertPreTokenizer {
  /** The pre-tokenizer; it has no settings and no state. */
  public BertPreTokenizer() {}

  /**
   * One word of the pre-tokenized text.
   *
   * @param text the word
   * @param start first UTF-16 index of the word in the split string
   * @param end one past its last UTF-16 index
   */
  public record Word(String text, int start, int end) {}

  /** Splits {@code text} into words with their UTF-16 spans. */
  public List<Word> split(String text) {
    NormalizedText aligned = NormalizedText.of(text, 0, text.length());
    List<Word> words = new ArrayList<>();
    split(
        aligned,
        0,
        aligned.length(),
        (from, to) ->
            words.add(
                new Word(
                    aligned.substring(from, to),
                    aligned.originalStart(from),
                    aligned.originalEnd(to - 1))));
    return words;
  }

  /** Receives words as code point index ranges {@code [from, to)} of the split text. */
  @FunctionalInterface
  interface WordSink {
    void word(int from, int to);
  }

  /** Splits code points {@code [from, to)} of {@code text}; no string is built here. */
  void split(NormalizedText text, int from, int to, WordSink sink) {
    int wordStart = -1;
    for (int i = from; i < to; i++) {
      int cp = text.codePoint(i);
      boolean space = BertCharacters.isWhitespace(cp);
      if (space || BertCharacters.isPunctuation(cp)) {
        if (wordStart >= 0) {
          sink.word(wordStart, i);
          wordStart = -1;
        }
        if (!space) {
          sink.word(i, i + 1);
        }
      } else if (wordStart < 0) {
        wordStart = i;
      }
    }
    if (wordStart >= 0) {
      sink.word(wordStart, to);
    }
  }
}
