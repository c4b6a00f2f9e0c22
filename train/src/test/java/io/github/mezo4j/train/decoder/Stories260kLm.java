package io.github.mezo4j.train.decoder;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.Llama2cCheckpoint;
import io.github.mezo4j.tokenizer.Llama2cTokenizer;
import io.github.mezo4j.train.data.Example;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Karpathy's stories260K (shared/data/stories260k, a 260K-parameter llama2.c model) with its
 * tok512.bin tokenizer, freshly loaded for each call (MeZO changes weights in place); a test
 * calling {@link #load()} is skipped, loudly, when the data is missing.
 */
public final class Stories260kLm {
  private Stories260kLm() {}

  /** A fresh copy of the model and its tokenizer. */
  public static Loaded load() throws IOException {
    Path dir;
    try {
      dir = SharedData.root("stories260k").resolve("stories260k");
    } catch (NoSuchFileException e) {
      assumeTrue(
          false,
          "SKIPPED: shared data folder stories260k/ missing: "
              + e.getReason()
              + "; looked at "
              + e.getFile());
      throw new AssertionError("unreachable");
    }
    DecoderCheckpoint c = Llama2cCheckpoint.read(dir.resolve("stories260K.bin"));
    Llama2cTokenizer t = Llama2cTokenizer.load(dir.resolve("tok512.bin"), c.config().vocabSize());
    return new Loaded(c, DecoderLm.of(c.model(), t));
  }

  /** The checkpoint (config and weights) and the LM over those weights. */
  public record Loaded(DecoderCheckpoint checkpoint, DecoderLm lm) {}

  /** Short sentiment sentences in SST-2's style, written for these tests (label 1 positive). */
  public static final List<Example> REVIEWS =
      List.of(
          Example.of("a warm and funny story about a little dog", 1),
          Example.of("the film is dull and far too long", 0),
          Example.of("she smiled all the way through this happy movie", 1),
          Example.of("a sad mess with nothing to say", 0),
          Example.of("the best picture of the year", 1),
          Example.of("boring , slow and ugly", 0),
          Example.of("a lovely , kind and gentle tale", 1),
          Example.of("i wanted to leave after ten minutes", 0),
          Example.of("the children will love the bright colors", 1),
          Example.of("it is a bad movie with bad jokes", 0),
          Example.of("a big , bold and beautiful adventure", 1),
          Example.of("nothing works in this tired film", 0));
}
