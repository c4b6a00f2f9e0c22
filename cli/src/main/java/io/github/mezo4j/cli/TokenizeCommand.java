package io.github.mezo4j.cli;

import io.github.mezo4j.tokenizer.Encoding;
import io.github.mezo4j.tokenizer.Padding;
import io.github.mezo4j.tokenizer.Tokenizer;
import io.github.mezo4j.tokenizer.Truncation;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mezo4j tokenize}: one JSON encoding per input line (or one text per id line). */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    description = {
      "Tokenize stdin lines; one JSON encoding per line.",
      "",
      "Reads a Hugging Face tokenizer.json (WordPiece as in BERT and MiniLM; byte-level BPE as in",
      "GPT-2, OPT, Llama 3 and Qwen2; SentencePiece BPE with byte fallback as in Llama 2, Mistral",
      "and TinyLlama), a llama2.c tokenizer.bin, or a model folder holding one, and prints:",
      "  {\"ids\":[...],\"attention_mask\":[...],\"token_type_ids\":[...]}",
      "--tokens adds the token strings and their offsets ([start, end) UTF-16 indices).",
      "With --pair each line holds two texts separated by a tab.",
      "With --decode each line holds token ids (a JSON array or numbers separated by spaces or",
      "commas) and the decoded text is printed as one JSON string per line.",
      "Truncation follows tokenizer.json unless --max-length is given; lines are not padded",
      "unless --pad is given."
    })
final class TokenizeCommand implements Callable<Integer> {
  @Option(
      names = "--tokenizer",
      defaultValue = Models.BUILT_IN,
      description =
          "A tokenizer.json or tokenizer.bin file, a model folder holding one, or 'minilm' for"
              + " the built-in one (default).")
  String tokenizer;

  @Option(
      names = "--max-length",
      description = "Truncate to this many tokens, special tokens included (longest first).")
  Integer maxLength;

  @Option(names = "--pair", description = "Each line is two texts separated by a tab.")
  boolean pair;

  @Option(names = "--pad", description = "Pad every line to --max-length (needs --max-length).")
  boolean pad;

  @Option(names = "--tokens", description = "Also print the tokens and their offsets.")
  boolean tokens;

  @Option(names = "--no-special", description = "Do not add special tokens (BOS, [CLS], ...).")
  boolean noSpecial;

  @Option(names = "--decode", description = "Read lines of token ids and print their text.")
  boolean decode;

  @Option(
      names = "--skip-special",
      description = "With --decode: leave special tokens out of the text.")
  boolean skipSpecial;

  @Override
  public Integer call() throws Exception {
    Tokenizer tok = Tokenizers.loadAny(tokenizer).withoutPadding();
    PrintStream out = System.out;
    Stdin in = new Stdin();
    if (decode) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String text;
        try {
          text = tok.decode(ids(line, in.lineNumber()), skipSpecial);
        } catch (IllegalArgumentException e) {
          if (e.getMessage() != null && e.getMessage().startsWith("stdin line")) {
            throw e;
          }
          throw new IllegalArgumentException(
              "stdin line %d: %s".formatted(in.lineNumber(), e.getMessage()), e);
        }
        out.println(Json.string(text));
      }
      out.flush();
      return out.checkError() ? 1 : 0;
    }
    if (maxLength != null) {
      int least = tok instanceof WordPieceTokenizer ? (pair ? 3 : 2) : 1;
      Arguments.atLeast("--max-length", maxLength, least);
      tok = tok.withTruncation(Truncation.longestFirst(maxLength));
    }
    if (pad) {
      if (maxLength == null) {
        throw new IllegalArgumentException("--pad needs --max-length");
      }
      tok = tok.withPadding(padding(tok, maxLength));
    }
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      Encoding e;
      if (pair) {
        int tab = line.indexOf('\t');
        if (tab < 0 || line.indexOf('\t', tab + 1) >= 0) {
          throw new IllegalArgumentException(
              "stdin line %d: --pair expects two texts separated by exactly one tab, found %d tabs"
                  .formatted(in.lineNumber(), line.chars().filter(c -> c == '\t').count()));
        }
        e = tok.encode(line.substring(0, tab), line.substring(tab + 1), !noSpecial);
      } else {
        e = tok.encode(line, null, !noSpecial);
      }
      StringBuilder sb = new StringBuilder("{\"ids\":");
      Json.ints(sb, e.ids(), 0, e.length());
      sb.append(",\"attention_mask\":");
      Json.ints(sb, e.attentionMask(), 0, e.length());
      sb.append(",\"token_type_ids\":");
      Json.ints(sb, e.typeIds(), 0, e.length());
      if (tokens) {
        sb.append(",\"tokens\":[");
        for (int i = 0; i < e.length(); i++) {
          sb.append(i > 0 ? "," : "").append(Json.string(e.tokens().get(i)));
        }
        sb.append("],\"offsets\":[");
        for (int i = 0; i < e.length(); i++) {
          sb.append(i > 0 ? ",[" : "[").append(e.offsetStarts()[i]).append(',');
          sb.append(e.offsetEnds()[i]).append(']');
        }
        sb.append(']');
      }
      out.println(sb.append('}'));
    }
    out.flush();
    return out.checkError() ? 1 : 0;
  }

  /** Fixed padding with the tokenizer's pad token (else its EOS, else id 0). */
  private static Padding padding(Tokenizer tok, int length) {
    Padding fixed = Padding.fixed(length);
    if (tok instanceof WordPieceTokenizer) {
      return fixed;
    }
    int id = tok.padId().orElse(tok.eosId().orElse(0));
    String token = tok.idToToken(id);
    return fixed.withPadToken(token == null ? "" : token, id);
  }

  private static int[] ids(String line, int lineNumber) {
    String body = line.strip();
    if (body.startsWith("[") && body.endsWith("]")) {
      body = body.substring(1, body.length() - 1);
    }
    String[] parts = body.isBlank() ? new String[0] : body.strip().split("[\\s,]+");
    int[] ids = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        ids[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "stdin line %d: --decode expects token ids, found '%s'"
                .formatted(lineNumber, parts[i]));
      }
    }
    return ids;
  }
}
