package io.github.mezo4j.nn.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import java.nio.file.Path;

/**
 * Fuzz target for llama2.c checkpoints ({@link Llama2cCheckpoint#read}): any bytes either read as a
 * model or fail with {@link ModelFormatException} naming the file (header fields, their products
 * against the file's size, the tensors).
 */
class Llama2cCheckpointFuzzTest {
  private static final Path DIR = ParserContract.scratchDir("llama2c");

  @FuzzTest(maxDuration = "5m")
  void read(byte[] input) throws Exception {
    Path file = ParserContract.write(DIR, "model.bin", input);
    ParserContract.parseOrReject(
        file.toString(), () -> Llama2cCheckpoint.read(file), ModelFormatException.class);
  }
}
