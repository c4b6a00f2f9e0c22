package io.github.mezo4j.core.text;

/**
 * Makes text that came from a file or a server safe to print on a terminal: control characters
 * (escape sequences retitle windows, clear the screen or move the cursor; a carriage return
 * overwrites a line), C1 controls and bidirectional overrides are shown as {@code \\uXXXX}.
 */
public final class Printable {
  private Printable() {}

  /** {@code s} with every control character escaped (line breaks too): for names and values. */
  public static String escape(String s) {
    return escape(s, false);
  }

  /**
   * {@code s} with every control character but the line feed escaped: for whole messages, whose own
   * lines stay lines.
   */
  public static String escapeKeepingLines(String s) {
    return escape(s, true);
  }

  private static String escape(String s, boolean keepLines) {
    if (s == null) {
      return null;
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean unsafe = unsafe(c) && !(keepLines && c == '\n');
      if (unsafe && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (unsafe) {
        b.append(String.format("\\u%04x", (int) c));
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  private static boolean unsafe(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || (c >= 0x202a && c <= 0x202e) // bidirectional embeddings and overrides
        || (c >= 0x2066 && c <= 0x2069); // bidirectional isolates
  }
}
