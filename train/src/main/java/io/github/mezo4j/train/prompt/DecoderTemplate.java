package io.github.mezo4j.train.prompt;

import io.github.mezo4j.train.data.Example;

/** Turns an example into a {@link DecoderPrompt}: the template plus the verbaliser of a task. */
@FunctionalInterface
public interface DecoderTemplate {

  /**
   * The prompt of {@code example}; its gold index is the example's label.
   *
   * @throws IllegalArgumentException if the example lacks a field the template needs
   */
  DecoderPrompt render(Example example);
}
