package io.github.mezo4j.train.data;

import io.github.mezo4j.core.text.Printable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file does not hold what its task expects. The message names the file, the 1-based line
 * (where a record starts) and what was expected, e.g. {@code train.tsv line 17: expected 2
 * tab-separated fields (sentence, label), got 1}.
 */
public final class DataFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The file that was being read. */
  private final transient Path file;

  /** The 1-based line, or 0 when the problem concerns the whole file. */
  private final long line;

  /** A problem at {@code line} (1-based; 0 for the whole file) of {@code file}. */
  public DataFormatException(Path file, long line, String problem) {
    // problems quote the file's own text, which may hold terminal escape sequences
    super(
        Printable.escapeKeepingLines(
            line > 0 ? file + " line " + line + ": " + problem : file + ": " + problem));
    this.file = file;
    this.line = line;
  }

  /** The file that was being read. */
  public Path file() {
    return file;
  }

  /** The 1-based line of the problem, or 0 when it concerns the whole file. */
  public long line() {
    return line;
  }
}
