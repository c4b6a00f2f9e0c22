package io.github.mezo4j.nn.io;

import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.nn.model.DecoderModel;
import java.util.Objects;

/**
 * A loaded decoder-only language model: its configuration and its weights under Hugging Face names
 * (in {@code nn.Linear} layout, F32), already checked to build a {@link DecoderModel}.
 *
 * @param config the model's shape
 * @param parameters the weights, sharing storage with any model built from them
 */
public record DecoderCheckpoint(DecoderConfig config, ParameterSet parameters) {
  /** Rejects null components. */
  public DecoderCheckpoint {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(parameters, "parameters");
  }

  /** A model over these weights (no copy: perturbing the model's parameters perturbs these). */
  public DecoderModel model() {
    return DecoderModel.of(config, parameters);
  }
}
