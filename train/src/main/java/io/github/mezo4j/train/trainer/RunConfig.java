package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A run's settings: those every run has ({@link #run()}) and the model kind's own, as run.json
 * records them. {@link RunDriver} reads only this.
 */
public interface RunConfig {
  /** The settings every run has. */
  RunSettings run();

  /** Puts the kind's own settings into run.json's {@code config}. */
  void putKindSettings(ObjectNode config);

  /** As JSON ({@code run.json}'s {@code config}). */
  default ObjectNode toJson() {
    return run().toJson(this::putKindSettings);
  }

  /**
   * Checks that a resumed run has this run's settings ({@link RunSettings#checkResumable}).
   *
   * @param recorded the resumed run's config
   * @param source the file it came from, for the message
   * @throws IllegalArgumentException naming the first setting that differs
   */
  default void checkResumable(JsonNode recorded, String source) {
    RunSettings.checkResumable(toJson(), recorded, source);
  }
}
