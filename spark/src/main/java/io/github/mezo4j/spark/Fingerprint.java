package io.github.mezo4j.spark;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.LabeledTexts;
import java.nio.charset.StandardCharsets;

/**
 * A 64-bit hash of what a data-parallel run's replicas must agree on: the settings, the training
 * split and every weight of the model at its base. Workers send theirs when they join, so an
 * executor that read another model file, other data or other options is refused before any step.
 */
public final class Fingerprint {
  private Fingerprint() {}

  private static final long PRIME = 0x100000001b3L;

  /** The fingerprint of {@code run} (before any step: the classifier holds the base weights). */
  public static long of(FineTuner.Run run) {
    long h = 0xcbf29ce484222325L;
    h = mix(h, run.config().toJson().toString());
    LabeledTexts train = run.train();
    for (int i = 0; i < train.size(); i++) {
      h = mix(h, train.texts().get(i));
      h = mix(h, train.pairs() == null ? "" : train.pairs().get(i));
      h = (h ^ train.labels()[i]) * PRIME;
    }
    // in chunks: copying each weight whole (MiniLM's embeddings: 47 MB) raises peak memory
    float[] chunk = new float[1 << 16];
    for (Parameter p : run.classifier().embedder().encoder().parameters()) {
      h = mix(h, p.name());
      for (int from = 0; from < p.size(); from += chunk.length) {
        int len = Math.min(chunk.length, p.size() - from);
        p.read(from, chunk, 0, len);
        for (int i = 0; i < len; i++) {
          h = (h ^ Float.floatToRawIntBits(chunk[i])) * PRIME;
        }
      }
    }
    return h;
  }

  private static long mix(long h, String s) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ b) * PRIME;
    }
    return (h ^ 0xff) * PRIME; // a separator: ("ab", "c") and ("a", "bc") differ
  }
}
