package io.github.mezo4j.nn.io;

import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.BertConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * A loaded BERT-family model: its configuration, its weights under the {@link BertNames} convention
 * (validated against the config: every encoder tensor present with its exact shape), and its
 * tokenizer.json when the source has one.
 *
 * @param config the model's shape
 * @param parameters the weights, in {@link BertNames#canonicalOrder canonical order}
 * @param tokenizer the tokenizer.json that came with the model, if any
 */
public record BertCheckpoint(
    BertConfig config, ParameterSet parameters, Optional<TokenizerJson> tokenizer) {
  /** Rejects null components. */
  public BertCheckpoint {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(parameters, "parameters");
    Objects.requireNonNull(tokenizer, "tokenizer");
  }
}
