package io.github.mezo4j.nn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;

class SafetensorsFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void header(byte[] input) throws Exception {
    Path file = Files.createTempFile("fuzz", ".safetensors");
    try {
      Files.write(file, input);
      try (SafetensorsReader r = SafetensorsReader.open(file)) {
        r.readAll(DType.F32);
      } catch (ModelFormatException expected) {
        // the documented failure
      }
    } finally {
      Files.delete(file);
    }
  }
}
