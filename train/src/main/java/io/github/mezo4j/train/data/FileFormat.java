package io.github.mezo4j.train.data;

import java.nio.file.Path;
import java.util.Locale;

/** The data file formats mezo4j reads. */
public enum FileFormat {
  /**
   * Tab-separated values, one record per line, no quoting: a {@code "} is an ordinary character, as
   * GLUE's TSV files need (their sentences contain unbalanced quotes).
   */
  TSV,
  /** Comma-separated values with RFC 4180 quoting (quoted fields may hold commas, newlines, "). */
  CSV,
  /** One JSON object per line (SuperGLUE's format). */
  JSONL;

  /**
   * The format named by the file's extension: {@code .tsv}, {@code .csv}, {@code .jsonl} (or {@code
   * .json}, {@code .ndjson}).
   *
   * @throws IllegalArgumentException naming the file and the known extensions
   */
  public static FileFormat of(Path file) {
    String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
    if (name.endsWith(".tsv")) {
      return TSV;
    }
    if (name.endsWith(".csv")) {
      return CSV;
    }
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
      return JSONL;
    }
    throw new IllegalArgumentException(
        file + ": cannot tell the format from the name; expected .tsv, .csv or .jsonl");
  }
}
