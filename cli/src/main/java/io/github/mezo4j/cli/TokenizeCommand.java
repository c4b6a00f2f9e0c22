package io.github.mezo4j.cli;

import io.github.mezo4j.nn.tokenizer.Encoding;
import io.github.mezo4j.nn.tokenizer.Padding;
import io.github.mezo4j.nn.tokenizer.Truncation;
import io.github.mezo4j.nn.tokenizer.WordPieceTokenizer;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mezo4j tokenize}: one JSON encoding per input line. */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    description = {
      "Tokenize stdin lines; one JSON encoding per line.",
      "",
      "Uses a Hugging Face tokenizer.json (WordPiece, as BERT and MiniLM use) and prints:",
      "  {\"ids\":[...],\"attention_mask\":[...],\"token_type_ids\":[...]}",
      "With --pair each line holds two texts separated by a tab ([CLS] A [SEP] B [SEP]).",
      "Truncation follows tokenizer.json unless --max-length is given; lines are not padded",
      "unless --pad is given."
    })
final class TokenizeCommand implements Callable<Integer> {
  @Option(
      names = "--tokenizer",
      defaultValue = Models.BUILT_IN,
      description = "A tokenizer.json file, or 'minilm' for the built-in one (default).")
  String tokenizer;

  @Option(
      names = "--max-length",
      description = "Truncate to this many tokens, special tokens included (longest first).")
  Integer maxLength;

  @Option(names = "--pair", description = "Each line is two texts separated by a tab.")
  boolean pair;

  @Option(names = "--pad", description = "Pad every line to --max-length (needs --max-length).")
  boolean pad;

  @Override
  public Integer call() throws Exception {
    WordPieceTokenizer tok = Tokenizers.load(tokenizer).withoutPadding();
    if (maxLength != null) {
      Arguments.atLeast("--max-length", maxLength, pair ? 3 : 2);
      tok = tok.withTruncation(Truncation.longestFirst(maxLength));
    }
    if (pad) {
      if (maxLength == null) {
        throw new IllegalArgumentException("--pad needs --max-length");
      }
      tok = tok.withPadding(Padding.fixed(maxLength));
    }
    PrintStream out = System.out;
    Stdin in = new Stdin();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      Encoding e;
      if (pair) {
        int tab = line.indexOf('\t');
        if (tab < 0 || line.indexOf('\t', tab + 1) >= 0) {
          throw new IllegalArgumentException(
              "stdin line %d: --pair expects two texts separated by exactly one tab, found %d tabs"
                  .formatted(in.lineNumber(), line.chars().filter(c -> c == '\t').count()));
        }
        e = tok.encode(line.substring(0, tab), line.substring(tab + 1));
      } else {
        e = tok.encode(line);
      }
      StringBuilder sb = new StringBuilder("{\"ids\":");
      Json.ints(sb, e.ids(), 0, e.length());
      sb.append(",\"attention_mask\":");
      Json.ints(sb, e.attentionMask(), 0, e.length());
      sb.append(",\"token_type_ids\":");
      Json.ints(sb, e.typeIds(), 0, e.length());
      out.println(sb.append('}'));
    }
    out.flush();
    return out.checkError() ? 1 : 0;
  }
}
