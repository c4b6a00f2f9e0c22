package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import io.github.mezo4j.nn.io.ModelFormatException;
import java.nio.file.Path;

/**
 * Fuzz target for {@code config.json}: any bytes either read as an encoder config ({@link
 * BertConfig#read}) and as a decoder config ({@link DecoderConfig#read}), or fail with {@link
 * ModelFormatException} naming the file; a decoder config that reads survives its own {@code
 * toJson} unchanged.
 */
class ConfigJsonFuzzTest {
  private static final Path DIR = ParserContract.scratchDir("config-json");

  @FuzzTest(maxDuration = "5m")
  void read(byte[] input) throws Exception {
    Path file = ParserContract.write(DIR, "config.json", input);
    String source = file.toString();
    ParserContract.parseOrReject(source, () -> BertConfig.read(file), ModelFormatException.class);
    ParserContract.parseOrReject(source, () -> DecoderConfig.read(file), ModelFormatException.class)
        .ifPresent(c -> assertEquals(c, roundTrip(c)));
  }

  private static DecoderConfig roundTrip(DecoderConfig c) {
    try {
      return DecoderConfig.fromJson(c.toJson(), "written");
    } catch (ModelFormatException e) {
      throw new AssertionError("a config that read does not read back from its JSON", e);
    }
  }
}
