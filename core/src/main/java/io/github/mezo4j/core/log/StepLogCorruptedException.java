package io.github.mezo4j.core.log;

import io.github.mezo4j.core.text.Printable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A step log that cannot be trusted: a bad header, a record with an unexpected step or flags, or a
 * damaged record with an intact record after it (a crash only loses records at the end). The
 * message names the file and, for a record, its number and byte offset.
 */
public final class StepLogCorruptedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Names {@code file} and says {@code what} is wrong with it. */
  public StepLogCorruptedException(Path file, String what) {
    super(Printable.escapeKeepingLines("step log " + file + ": " + what));
  }
}
