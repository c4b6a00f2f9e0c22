package io.github.mezo4j.cli;

import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.tokenizer.Tokenizer;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves a {@code --tokenizer} value, or the tokenizer that came with a model. (The library's
 * loader for files and folders is {@link io.github.mezo4j.tokenizer.Tokenizers}.)
 */
final class Tokenizers {
  private Tokenizers() {}

  /**
   * Any supported tokenizer: 'minilm', a tokenizer.json (WordPiece or BPE), a llama2.c
   * tokenizer.bin, or a model folder holding one of them.
   */
  static Tokenizer loadAny(String spec) throws IOException {
    if (Models.BUILT_IN.equals(spec)) {
      return parse(MiniLm.tokenizerJson());
    }
    Path path = Path.of(spec);
    if (!Files.exists(path)) {
      throw new IllegalArgumentException(
          "--tokenizer '%s': expected a tokenizer.json or tokenizer.bin file, a model folder"
                  .formatted(spec)
              + " holding one, or '%s'".formatted(Models.BUILT_IN));
    }
    return io.github.mezo4j.tokenizer.Tokenizers.load(path);
  }

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
