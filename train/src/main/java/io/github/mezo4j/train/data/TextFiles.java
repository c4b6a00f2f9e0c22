package io.github.mezo4j.train.data;

import io.github.mezo4j.core.text.Printable;
import io.github.mezo4j.core.text.StrictUtf8;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Reads a UTF-8 data file strictly: a missing file or a byte that is not UTF-8 is an error naming
 * the line and byte offset. Also reports the blank rows readers skip.
 */
final class TextFiles {
  /** How many blank row numbers a report lists before it says "and N more". */
  private static final int LISTED = 10;

  /** Where skipped blank rows are reported: null for stderr as it is at the time (tests set it). */
  static volatile PrintStream notes;

  private TextFiles() {}

  /** The file's text without a leading byte-order mark. */
  static String read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "data file not found");
    }
    return decode(file, Files.readAllBytes(file));
  }

  /** {@code bytes} as UTF-8 without a leading byte-order mark; {@code file} names it in errors. */
  static String decode(Path file, byte[] bytes) throws DataFormatException {
    try {
      return StrictUtf8.decode(bytes);
    } catch (StrictUtf8.NotUtf8Exception e) {
      throw new DataFormatException(file, e.line(), e.getMessage());
    }
  }

  /**
   * Reports the 1-based lines of the rows a reader skipped because they were blank after trimming,
   * e.g. {@code skipped 1 blank row: data.tsv:17}; nothing when there are none.
   */
  static void reportBlank(Path file, List<Long> lines) {
    if (lines.isEmpty()) {
      return;
    }
    String listed =
        lines.stream().limit(LISTED).map(String::valueOf).collect(Collectors.joining(", "));
    String more = lines.size() > LISTED ? " and %d more".formatted(lines.size() - LISTED) : "";
    (notes != null ? notes : System.err)
        .println(
            String.format(
                Locale.ROOT,
                "mezo4j: skipped %d blank row%s: %s:%s%s",
                lines.size(),
                lines.size() == 1 ? "" : "s",
                Printable.escape(file.toString()),
                listed,
                more));
  }
}
