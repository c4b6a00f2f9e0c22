package io.github.mezo4j.cli;

import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves a {@code --tokenizer} value, or the tokenizer that came with a model. */
final class Tokenizers {
  private Tokenizers() {}

  static WordPieceTokenizer load(String spec) throws IOException {
    if (Models.BUILT_IN.equals(spec)) {
      return parse(MiniLm.tokenizerJson());
    }
    Path path = Path.of(spec);
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(
          "--tokenizer '%s': expected a tokenizer.json file or '%s'"
              .formatted(spec, Models.BUILT_IN));
    }
    return WordPieceTokenizer.load(path);
  }

  static WordPieceTokenizer of(BertCheckpoint checkpoint, String modelSpec) {
    TokenizerJson json =
        checkpoint
            .tokenizer()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--model '%s' has no tokenizer.json (put one beside the model)"
                            .formatted(modelSpec)));
    return parse(json);
  }

  private static WordPieceTokenizer parse(TokenizerJson json) {
    return WordPieceTokenizer.fromJson(json.text(), json.source());
  }
}
