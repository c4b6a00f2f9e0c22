package io.github.mezo4j.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import java.nio.file.Path;

/**
 * Fuzz target for {@code tokenizer.json} ({@link Tokenizers#load}, WordPiece and BPE): any bytes
 * either load or fail with IllegalArgumentException naming the file; a tokenizer that loads then
 * encodes and decodes a sample text (IllegalArgumentException allowed there, nothing else).
 */
class TokenizerJsonFuzzTest {
  private static final Path DIR = ParserContract.scratchDir("tokenizer-json");

  @FuzzTest(maxDuration = "5m")
  void load(byte[] input) throws Exception {
    Path file = ParserContract.write(DIR, "tokenizer.json", input);
    ParserContract.parseOrReject(
            file.toString(), () -> Tokenizers.load(file), IllegalArgumentException.class)
        .ifPresent(TokenizerFuzzing::use);
  }
}
