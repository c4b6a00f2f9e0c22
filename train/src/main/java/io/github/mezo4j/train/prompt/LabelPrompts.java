package io.github.mezo4j.train.prompt;

import io.github.mezo4j.train.data.LabelSet;
import java.util.List;

/**
 * What an encoder's label-prompt head compares an input with: one verbalised label per class, as a
 * single word (LM-BFF's verbaliser, the word its masked-LM prompt predicts) and as a short sentence
 * to encode (e.g. "It was great."). Index {@code i} is class {@code i} of the task.
 *
 * @param words one label word per class
 * @param sentences one label sentence per class
 */
public record LabelPrompts(List<String> words, List<String> sentences) {

  /** Freezes the lists and checks they have one entry per class. */
  public LabelPrompts {
    words = List.copyOf(words);
    sentences = List.copyOf(sentences);
    if (words.size() != sentences.size() || words.size() < 2) {
      throw new IllegalArgumentException(
          "need one word and one sentence per class (>= 2): %s / %s".formatted(words, sentences));
    }
  }

  /** The number of classes. */
  public int size() {
    return words.size();
  }

  /** The sentence of class {@code label}. */
  public String sentence(int label) {
    return sentences.get(label);
  }

  /** Prompts that are the label names themselves, for tasks without a written verbaliser. */
  public static LabelPrompts plain(LabelSet labels) {
    return new LabelPrompts(labels.names(), labels.names());
  }
}
