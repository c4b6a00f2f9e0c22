package io.github.mezo4j.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import java.nio.file.Path;

/**
 * Fuzz target for llama2.c's {@code tokenizer.bin} ({@link Llama2cTokenizer#load}): any bytes
 * either load or fail with IllegalArgumentException naming the file; a tokenizer that loads then
 * encodes and decodes a sample text (IllegalArgumentException allowed there, nothing else).
 */
class Llama2cTokenizerFuzzTest {
  private static final Path DIR = ParserContract.scratchDir("tokenizer-bin");

  @FuzzTest(maxDuration = "5m")
  void load(byte[] input) throws Exception {
    Path file = ParserContract.write(DIR, "tokenizer.bin", input);
    ParserContract.parseOrReject(
            file.toString(), () -> Llama2cTokenizer.load(file), IllegalArgumentException.class)
        .ifPresent(TokenizerFuzzing::use);
  }
}
