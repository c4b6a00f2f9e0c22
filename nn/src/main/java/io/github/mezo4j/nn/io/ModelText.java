package io.github.mezo4j.nn.io;

import io.github.mezo4j.core.text.StrictUtf8;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a model's JSON files (config.json, a weight index) as strict UTF-8. */
public final class ModelText {
  private ModelText() {}

  /**
   * The file's text, without a leading byte-order mark.
   *
   * @throws ModelFormatException naming the file, line and byte offset of a byte that is not UTF-8
   */
  public static String read(Path file) throws IOException {
    try {
      return StrictUtf8.decode(Files.readAllBytes(file));
    } catch (StrictUtf8.NotUtf8Exception e) {
      throw new ModelFormatException(file.toString(), "line " + e.line() + ": " + e.getMessage());
    }
  }
}
