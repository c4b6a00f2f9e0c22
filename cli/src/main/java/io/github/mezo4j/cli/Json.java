package io.github.mezo4j.cli;

import java.util.Locale;

/** Minimal JSON writing for the command's line-oriented output. */
public final class Json {
  private Json() {}

  /** A JSON string literal. */
  public static String string(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** A JSON array of ints. */
  static void ints(StringBuilder sb, int[] values, int from, int to) {
    sb.append('[');
    for (int i = from; i < to; i++) {
      if (i > from) {
        sb.append(',');
      }
      sb.append(values[i]);
    }
    sb.append(']');
  }

  /** A JSON array of floats, each printed as the shortest decimal that round-trips. */
  static void floats(StringBuilder sb, float[] values, int from, int to) {
    sb.append('[');
    for (int i = from; i < to; i++) {
      if (i > from) {
        sb.append(',');
      }
      sb.append(Float.toString(values[i]));
    }
    sb.append(']');
  }
}
