package io.github.mezo4j.nn.model;

import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.tokenizer.Padding;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * all-MiniLM-L6-v2 from the classpath, loaded once per test JVM (the import takes a second and 90
 * MB). Tests that change weights must work on {@code parameters().copy()}.
 */
final class MiniLmFixture {
  private MiniLmFixture() {}

  private static BertCheckpoint checkpoint;
  private static WordPieceTokenizer tokenizer;

  static synchronized BertCheckpoint checkpoint() {
    if (checkpoint == null) {
      try {
        checkpoint = MiniLm.load();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return checkpoint;
  }

  /** The model's tokenizer, padding each batch to its longest sequence (HF padding=True). */
  static synchronized WordPieceTokenizer tokenizer() {
    if (tokenizer == null) {
      try {
        tokenizer =
            WordPieceTokenizer.loadResource(MiniLm.TOKENIZER_RESOURCE)
                .withPadding(Padding.batchLongest());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return tokenizer;
  }

  /** An encoder over the shared (never modified) weights. */
  static BertEncoder encoder() {
    return BertEncoder.of(checkpoint().config(), checkpoint().parameters());
  }

  /** The texts tokenized as one right-padded batch. */
  static EncoderInput batch(List<String> texts) {
    return EncoderInput.of(tokenizer().encodeBatch(texts));
  }
}
