package io.github.mezo4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code tokenizer.json} decoder: turns token strings back into text pieces, which are then
 * joined. {@code ByteLevel}, {@code Metaspace}, {@code WordPiece}, {@code Replace}, {@code
 * ByteFallback}, {@code Fuse}, {@code Strip} and {@code Sequence} are supported.
 */
@FunctionalInterface
interface TokenDecoder {

  /** Decodes tokens into pieces (Hugging Face's {@code decode_chain}). */
  List<String> decodeChain(List<String> tokens);

  /** The decoded text: the pieces joined. */
  default String decode(List<String> tokens) {
    return String.join("", decodeChain(tokens));
  }

  /** No decoder in the file: tokens joined with spaces, as Hugging Face does. */
  TokenDecoder NONE = tokens -> List.of(String.join(" ", tokens));

  /** Runs the decoders one after the other. */
  static TokenDecoder sequence(List<TokenDecoder> steps) {
    List<TokenDecoder> copy = List.copyOf(steps);
    return tokens -> {
      List<String> t = tokens;
      for (TokenDecoder d : copy) {
        t = d.decodeChain(t);
      }
      return t;
    };
  }

  /** Byte characters back to bytes, all tokens at once, then UTF-8 (invalid bytes: U+FFFD). */
  static TokenDecoder byteLevel() {
    return tokens -> {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (String t : tokens) {
        ByteLevel.appendBytes(t, bytes);
      }
      return List.of(bytes.toString(StandardCharsets.UTF_8));
    };
  }

  /** Replaces every match of {@code pattern} with {@code content} in each token. */
  static TokenDecoder replace(Pattern pattern, String content) {
    String literal = Matcher.quoteReplacement(content);
    return tokens -> {
      List<String> out = new ArrayList<>(tokens.size());
      for (String t : tokens) {
        out.add(pattern.matcher(t).replaceAll(literal));
      }
      return out;
    };
  }

  /**
   * Runs of {@code <0xXX>} tokens become the text of their bytes; a run that is not valid UTF-8
   * becomes one U+FFFD per byte token.
   */
  static TokenDecoder byteFallback() {
    return tokens -> {
      List<String> out = new ArrayList<>(tokens.size());
      ByteArrayOutputStream run = new ByteArrayOutputStream();
      for (String t : tokens) {
        int b = byteValue(t);
        if (b >= 0) {
          run.write(b);
          continue;
        }
        flush(run, out);
        out.add(t);
      }
      flush(run, out);
      return out;
    };
  }

  private static void flush(ByteArrayOutputStream run, List<String> out) {
    if (run.size() == 0) {
      return;
    }
    byte[] bytes = run.toByteArray();
    run.reset();
    try {
      out.add(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString());
    } catch (CharacterCodingException e) {
      for (int i = 0; i < bytes.length; i++) {
        out.add("\uFFFD");
      }
    }
  }

  /** The byte of a {@code <0xXX>} token, or -1. */
  static int byteValue(String token) {
    if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
      return -1;
    }
    int hi = Character.digit(token.charAt(3), 16);
    int lo = Character.digit(token.charAt(4), 16);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }

  /** All tokens as one. */
  static TokenDecoder fuse() {
    return tokens -> List.of(String.join("", tokens));
  }

  /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters. */
  static TokenDecoder strip(int content, int start, int stop) {
    return tokens -> {
      List<String> out = new ArrayList<>(tokens.size());
      for (String t : tokens) {
        int[] cps = t.codePoints().toArray();
        int s = 0;
        while (s < start && s < cps.length && cps[s] == content) {
          s++;
        }
        int e = cps.length;
        while (cps.length - e < stop && e > s && cps[e - 1] == content) {
          e--;
        }
        out.add(new String(cps, s, e - s));
      }
      return out;
    };
  }

  /**
   * {@code replacement} becomes a space, except in the first token when the pre-tokenizer prepends
   * it.
   */
  static TokenDecoder metaspace(int replacement, boolean prepends) {
    return tokens -> {
      List<String> out = new ArrayList<>(tokens.size());
      for (int i = 0; i < tokens.size(); i++) {
        StringBuilder sb = new StringBuilder();
        int index = i;
        tokens
            .get(i)
            .codePoints()
            .forEach(
                cp -> {
                  if (cp != replacement) {
                    sb.appendCodePoint(cp);
                  } else if (index != 0 || !prepends) {
                    sb.append(' ');
                  }
                });
        out.add(sb.toString());
      }
      return out;
    };
  }

  /**
   * WordPiece: pieces after the first get a space unless they start with {@code prefix} (which is
   * removed); with {@code cleanup}, spaces before punctuation and in English contractions go.
   */
  static TokenDecoder wordPiece(String prefix, boolean cleanup) {
    return tokens -> {
      List<String> out = new ArrayList<>(tokens.size());
      for (int i = 0; i < tokens.size(); i++) {
        String t = tokens.get(i);
        if (i != 0) {
          t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
        }
        out.add(cleanup ? cleanup(t) : t);
      }
      return out;
    };
  }

  /** Hugging Face's {@code cleanup} of decoded WordPiece text. */
  static String cleanup(String s) {
    return s.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" do not", " don't")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re");
  }
}
