package io.github.mezo4j.core.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes the bytes of a text file (JSON, TSV, ...) as UTF-8 strictly: a byte that is not UTF-8 is
 * an error giving its line and byte offset, never a replacement character or a bare {@code
 * MalformedInputException}. A leading byte-order mark is dropped.
 */
public final class StrictUtf8 {
  private StrictUtf8() {}

  /**
   * Bytes that are not UTF-8; the message says which byte and where, the reader's own error adds
   * the file and {@link #line}.
   */
  public static final class NotUtf8Exception extends IOException {
    private static final long serialVersionUID = 1L;

    private final long line;
    private final int offset;

    NotUtf8Exception(long line, int offset, int value) {
      super(
          "expected UTF-8 text; byte 0x%02x at byte offset %d is not (save the file as UTF-8)"
              .formatted(value, offset));
      this.line = line;
      this.offset = offset;
    }

    /** The 1-based line of the first bad byte. */
    public long line() {
      return line;
    }

    /** The 0-based byte offset of the first bad byte. */
    public int offset() {
      return offset;
    }
  }

  /** {@code bytes} as text, without a leading byte-order mark. */
  public static String decode(byte[] bytes) throws NotUtf8Exception {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      int offset = in.position();
      long line = 1;
      for (int i = 0; i < offset; i++) {
        line += bytes[i] == '\n' ? 1 : 0;
      }
      throw new NotUtf8Exception(line, offset, bytes[offset] & 0xff);
    }
    String text = out.flip().toString();
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }
}
