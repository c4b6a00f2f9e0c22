package io.github.mezo4j.train.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a sentence-pair task's gold says about each pair, which decides the objectives and metrics
 * that apply to it.
 */
public enum PairKind {
  /**
   * A similarity score in a declared range (STS style, e.g. GLUE STS-B's 0 to 5): trained with
   * CoSENT or cosine regression, reported with Spearman's correlation of cosine and score.
   */
  SCORED("scored"),
  /**
   * A binary label, 1 for similar (paraphrase, duplicate) and 0 for not: read as a score in [0, 1],
   * so the same objectives and metrics as {@link #SCORED} apply.
   */
  LABELED("labeled"),
  /**
   * Positive (query, passage) pairs only: trained with multiple-negatives ranking (the other
   * passages of a batch are the negatives), reported with retrieval metrics (MRR@10, recall@k).
   */
  POSITIVE("positive");

  private final String option;

  PairKind(String option) {
    this.option = option;
  }

  /** The command-line name ({@code --pairs}). */
  public String option() {
    return option;
  }

  /** Whether each pair carries a score (scored and labeled pairs). */
  public boolean scored() {
    return this != POSITIVE;
  }

  /**
   * The kind named {@code name}.
   *
   * @throws IllegalArgumentException listing the known names
   */
  public static PairKind parse(String name) {
    for (PairKind k : values()) {
      if (k.option.equalsIgnoreCase(name.strip())) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "unknown pair kind '%s'; expected one of %s"
            .formatted(
                name,
                Arrays.stream(values())
                    .map(PairKind::option)
                    .toList()
                    .toString()
                    .toLowerCase(Locale.ROOT)));
  }
}
