package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.parallel.Workers;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Autoregressive text generation with a {@link KvCache}: the prompt is run once, then each new
 * token costs one position's forward pass. Tokens are handed to a callback as they are produced
 * (for streaming).
 */
public final class Generator {
  private final DecoderModel model;
  private final TokenSampler sampler;
  private final int[] stopIds;

  /**
   * A generator that samples with {@code sampler} and stops, without emitting it, at any of {@code
   * stopIds} (typically the end-of-sequence id; none for a fixed length).
   */
  public Generator(DecoderModel model, TokenSampler sampler, int... stopIds) {
    this.model = Objects.requireNonNull(model, "model");
    this.sampler = Objects.requireNonNull(sampler, "sampler");
    this.stopIds = stopIds.clone();
  }

  /**
   * Generates up to {@code maxNewTokens} tokens after {@code prompt} (at least one token, e.g.
   * BOS), calling {@code onToken} with each as soon as it is chosen. Stops early at a stop id or
   * when the model's positions run out. Returns the generated tokens (without the prompt).
   */
  public int[] generate(Workers workers, int[] prompt, int maxNewTokens, IntConsumer onToken) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt must hold at least one token (e.g. BOS)");
    }
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
    }
    // the sliding window too: the engine refuses longer sequences, so generation stops there
    int limit = model.config().maxSequenceLength();
    if (prompt.length > limit) {
      throw new IllegalArgumentException(
          "the prompt has %d tokens; the model supports at most %d"
              .formatted(prompt.length, limit));
    }
    int budget = Math.min(maxNewTokens, limit - prompt.length);
    KvCache cache = model.newCache(1, Math.max(1, prompt.length + budget - 1));
    int[] out = new int[budget];
    int n = 0;
    int vocab = model.vocabSize();
    float[] logits = null;
    for (int step = 0; step < budget; step++) {
      logits =
          step == 0
              ? model.nextTokenLogits(workers, TokenBatch.of(prompt), cache)
              : model.nextTokenLogits(workers, TokenBatch.of(out[n - 1]), cache);
      int next = sampler.sample(logits, 0, vocab, step);
      if (contains(stopIds, next)) {
        break;
      }
      out[n++] = next;
      onToken.accept(next);
    }
    return Arrays.copyOf(out, n);
  }

  private static boolean contains(int[] ids, int id) {
    for (int s : ids) {
      if (s == id) {
        return true;
      }
    }
    return false;
  }
}
