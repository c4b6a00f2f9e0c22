package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.mezo4j.core.fuzz.ParserContract;

/** What the tokenizer fuzz targets do with a tokenizer that loaded: use it once. */
final class TokenizerFuzzing {
  private static final String SAMPLE = "Hello, world! The film's 3 cats\tran — naïve 東京 🙂";

  private TokenizerFuzzing() {}

  /**
   * Encodes and decodes {@link #SAMPLE}: a vocabulary that cannot cover it may be refused with
   * IllegalArgumentException; any other exception, an error or a hang is a finding.
   */
  static void use(Tokenizer t) {
    assertTimeoutPreemptively(
        ParserContract.HANG,
        () -> {
          try {
            Encoding e = t.encode(SAMPLE);
            t.decode(e.ids());
            t.encode(SAMPLE, "second");
          } catch (IllegalArgumentException refused) {
            // a documented refusal
          }
        });
  }
}
