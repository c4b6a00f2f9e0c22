package io.github.mezo4j.train.prompt;

import java.util.List;
import java.util.Objects;

/**
 * A decoder classification prompt: a context, the candidate continuations, and the gold one. A
 * decoder classifies by scoring {@code log p(candidate | context)} for each candidate (summed over
 * the candidate's tokens) and picking the largest, as the MeZO paper's OPT experiments do.
 *
 * <p>Convention: {@code context + candidate} is the full prompted text; the context never ends with
 * a space, and a candidate that continues the same line starts with its space ({@code " great"}),
 * so byte-level BPE tokenizes it as the model saw such words in training. After a newline the
 * candidate has no leading space ({@code "Yes"}).
 *
 * @param context the prompt up to the answer
 * @param candidates the continuations, one per class (or per choice, for COPA), at least two
 * @param gold the index of the correct candidate
 */
public record DecoderPrompt(String context, List<String> candidates, int gold) {

  /** Checks the candidates and the gold index. */
  public DecoderPrompt {
    Objects.requireNonNull(context, "context");
    candidates = List.copyOf(candidates);
    if (candidates.size() < 2) {
      throw new IllegalArgumentException("need at least two candidates, got " + candidates);
    }
    if (gold < 0 || gold >= candidates.size()) {
      throw new IllegalArgumentException(
          "gold %d is not a candidate index 0..%d".formatted(gold, candidates.size() - 1));
    }
  }

  /** The full text with candidate {@code i}: {@code context + candidates.get(i)}. */
  public String full(int i) {
    return context + candidates.get(i);
  }
}
