package io.github.mezo4j.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Standard input as UTF-8 lines (ending in \n or \r\n), whatever the platform's default charset; a
 * byte-order mark at the very start is dropped. Bytes that are not UTF-8 are an error naming the
 * line, not silently replaced: a replaced character would change the tokens without anyone
 * noticing. Each line is decoded on its own so the error can name it.
 */
final class Stdin {
  private final InputStream in = new BufferedInputStream(System.in);
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private int lineNumber;

  /** The next line without its terminator, or null at the end of input. */
  String readLine() throws IOException {
    line.reset();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      line.write(b);
    }
    if (b == -1 && line.size() == 0) {
      return null;
    }
    lineNumber++;
    byte[] bytes = line.toByteArray();
    int length =
        bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    // a byte-order mark opening the input (Windows editors write one) marks the encoding, not text
    int from =
        lineNumber == 1
                && length >= 3
                && (bytes[0] & 0xFF) == 0xEF
                && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF
            ? 3
            : 0;
    try {
      return decoder.decode(ByteBuffer.wrap(bytes, from, length - from)).toString();
    } catch (CharacterCodingException e) {
      throw new UncheckedIOException(
          "stdin line %d: not valid UTF-8 (%s)".formatted(lineNumber, e.getMessage()), e);
    }
  }

  /** The number of the line last returned, from 1. */
  int lineNumber() {
    return lineNumber;
  }
}
