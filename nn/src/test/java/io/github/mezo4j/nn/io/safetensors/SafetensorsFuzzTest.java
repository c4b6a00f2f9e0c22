package io.github.mezo4j.nn.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.ModelFormatException;
import java.nio.file.Path;

/**
 * Fuzz target for {@link SafetensorsReader}: any bytes either open and read whole or fail with
 * {@link ModelFormatException} naming the file (header length, JSON header, dtypes, shapes and data
 * offsets against the file's size).
 */
class SafetensorsFuzzTest {
  private static final Path DIR = ParserContract.scratchDir("safetensors");

  @FuzzTest(maxDuration = "5m")
  void read(byte[] input) throws Exception {
    Path file = ParserContract.write(DIR, "model.safetensors", input);
    ParserContract.parseOrReject(
        file.toString(),
        () -> {
          try (SafetensorsReader r = SafetensorsReader.open(file)) {
            ParameterSet all = r.readAll(DType.F32);
            assertEquals(r.tensors().size(), all.count());
            return all;
          }
        },
        ModelFormatException.class);
  }
}
