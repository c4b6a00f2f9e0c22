package io.github.mezo4j.nn.io;

import io.github.mezo4j.core.text.Printable;
import java.io.IOException;
import java.util.Objects;

/**
 * A model, weight or config file that does not follow its format: the message names the file (or
 * classpath resource), the tensor or field, and what was expected. Thrown before any half-loaded
 * model escapes, so a caller can report it and try another file.
 */
public class ModelFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The file or resource at fault. */
  private final String source;

  /** What is wrong, without the source. */
  private final String detail;

  /**
   * A problem in {@code source}; the message is {@code source: detail}, with control characters
   * escaped.
   *
   * @param source the file or resource at fault (shown first in the message)
   * @param detail what is wrong: the tensor or field and what was expected
   */
  public ModelFormatException(String source, String detail) {
    // names and values quoted from a file may hold terminal escape sequences
    super(Printable.escapeKeepingLines(Objects.requireNonNull(source, "source") + ": " + detail));
    this.source = source;
    this.detail = detail;
  }

  /** Same as {@link #ModelFormatException(String, String)} with the underlying cause attached. */
  public ModelFormatException(String source, String detail, Throwable cause) {
    super(
        Printable.escapeKeepingLines(Objects.requireNonNull(source, "source") + ": " + detail),
        cause);
    this.source = source;
    this.detail = detail;
  }

  /** The file or classpath resource the problem was found in. */
  public String source() {
    return source;
  }

  /** The message without the leading source: the tensor or field and what was expected. */
  public String detail() {
    return detail;
  }
}
