package io.github.mezo4j.train.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a UTF-8 data file strictly: a missing file or a byte that is not UTF-8 is an error. */
final class TextFiles {
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
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new DataFormatException(file, 0, "expected UTF-8 text (" + e + ")");
    }
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }
}
