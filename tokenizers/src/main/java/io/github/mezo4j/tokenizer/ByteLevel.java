package io.github.mezo4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's byte-to-character mapping: each of the 256 byte values gets a printable character (the
 * printable Latin-1 bytes map to themselves, the others to U+0100 upwards, so a space is "Ġ" and a
 * newline "Ċ"). Byte-level BPE vocabularies are written in these characters.
 */
final class ByteLevel {
  private static final int[] BYTE_TO_CHAR = new int[256];
  private static final int[] CHAR_TO_BYTE = new int[0x180];

  static {
    Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      BYTE_TO_CHAR[b] = printable ? b : 0x100 + next++;
      CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
    }
  }

  private ByteLevel() {}

  /** The character standing for byte {@code b} (0..255). */
  static int charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** The byte a character stands for, or -1 if it stands for none. */
  static int byteOf(int cp) {
    return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
  }

  /** The UTF-8 bytes of {@code text} as byte characters, each spanning its code point's span. */
  static NormalizedText toByteChars(NormalizedText text) {
    NormalizedText out = new NormalizedText(text.length() * 2);
    byte[] buf = new byte[4];
    for (int i = 0; i < text.length(); i++) {
      int n = utf8(text.codePoint(i), buf);
      for (int k = 0; k < n; k++) {
        out.append(BYTE_TO_CHAR[buf[k] & 0xFF], text.originalStart(i), text.originalEnd(i));
      }
    }
    return out;
  }

  /** The byte-level string of {@code text}'s UTF-8 bytes. */
  static String toByteChars(String text) {
    StringBuilder sb = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      sb.appendCodePoint(BYTE_TO_CHAR[b & 0xFF]);
    }
    return sb.toString();
  }

  /**
   * Appends the bytes of a token to {@code out}: the bytes its characters stand for or, if any
   * character stands for no byte (an added token such as "<|endoftext|>"), its UTF-8 bytes.
   */
  static void appendBytes(String token, ByteArrayOutputStream out) {
    int[] cps = token.codePoints().toArray();
    for (int cp : cps) {
      if (byteOf(cp) < 0) {
        out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
        return;
      }
    }
    for (int cp : cps) {
      out.write(byteOf(cp));
    }
  }

  /** Writes the UTF-8 encoding of {@code cp} into {@code buf}; returns the byte count. */
  static int utf8(int cp, byte[] buf) {
    if (cp < 0x80) {
      buf[0] = (byte) cp;
      return 1;
    } else if (cp < 0x800) {
      buf[0] = (byte) (0xC0 | (cp >> 6));
      buf[1] = (byte) (0x80 | (cp & 0x3F));
      return 2;
    } else if (cp < 0x10000) {
      buf[0] = (byte) (0xE0 | (cp >> 12));
      buf[1] = (byte) (0x80 | ((cp >> 6) & 0x3F));
      buf[2] = (byte) (0x80 | (cp & 0x3F));
      return 3;
    }
    buf[0] = (byte) (0xF0 | (cp >> 18));
    buf[1] = (byte) (0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (byte) (0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (byte) (0x80 | (cp & 0x3F));
    return 4;
  }
}
