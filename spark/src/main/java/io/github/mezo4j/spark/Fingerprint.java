package io.github.mezo4j.spark;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.decoder.DecoderFineTuner;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.LabeledTexts;
import io.github.mezo4j.train.trainer.PairFineTuner;
import java.nio.charset.StandardCharsets;

/**
 * A 64-bit hash of what a data-parallel run's replicas must agree on: the settings, the training
 * split and every weight of the model at its base. Workers send theirs when they join, so an
 * executor that read another model file, other data or other options is refused before any step.
 */
public final class Fingerprint {
  private static final long PRIME = 0x100000001b3L;

  private long h = 0xcbf29ce484222325L;

  private Fingerprint() {}

  /** The fingerprint of an encoder run (before any step: the classifier holds the base weights). */
  public static long of(FineTuner.Run run) {
    Fingerprint f = new Fingerprint().mix(run.config().toJson().toString());
    LabeledTexts train = run.train();
    for (int i = 0; i < train.size(); i++) {
      f.mix(train.texts().get(i))
          .mix(train.pairs() == null ? "" : train.pairs().get(i))
          .mix(train.labels()[i]);
    }
    return f.mix(run.classifier().embedder().encoder().parameters()).h;
  }

  /** The fingerprint of a decoder run (before any step: the model holds the base weights). */
  public static long of(DecoderFineTuner.Run run) {
    Fingerprint f = new Fingerprint().mix(run.config().toJson().toString());
    for (Example e : run.train()) {
      f.mix(e.text()).mix(e.hasPair() ? e.textPair() : "").mix(e.label());
    }
    return f.mix(run.lm().model().parameters()).h;
  }

  /** The fingerprint of a sentence-pair run (before any step: the model holds the base weights). */
  public static long of(PairFineTuner.Run run) {
    Fingerprint f = new Fingerprint().mix(run.config().toJson().toString());
    for (TextPair p : run.train()) {
      f.mix(p.first()).mix(p.second()).mix(Double.toString(p.score()));
    }
    return f.mix(run.model().embedder().encoder().parameters()).h;
  }

  private Fingerprint mix(Iterable<Parameter> weights) {
    // in chunks: copying each weight whole (MiniLM's embeddings: 47 MB) raises peak memory
    float[] chunk = new float[1 << 16];
    for (Parameter p : weights) {
      mix(p.name());
      for (int from = 0; from < p.size(); from += chunk.length) {
        int len = Math.min(chunk.length, p.size() - from);
        p.read(from, chunk, 0, len);
        for (int i = 0; i < len; i++) {
          mix(Float.floatToRawIntBits(chunk[i]));
        }
      }
    }
    return this;
  }

  private Fingerprint mix(int v) {
    h = (h ^ v) * PRIME;
    return this;
  }

  private Fingerprint mix(String s) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      mix(b);
    }
    return mix(0xff); // a separator: ("ab", "c") and ("a", "bc") differ
  }
}
