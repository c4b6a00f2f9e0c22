package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.DecoderFolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTest {
  private static final Workers WORKERS = Workers.of(1);

  /** The tiny Qwen2 model with sliding-window attention on and a window shorter than its 64. */
  private static DecoderModel windowed(Path dir, int window) throws IOException {
    TinyDecoders.Written qwen = TinyDecoders.qwen2(dir);
    Path config = qwen.folder().resolve("config.json");
    String json =
        Files.readString(config, StandardCharsets.UTF_8)
            .replace(
                "\"use_sliding_window\": false, \"sliding_window\": 4096",
                "\"use_sliding_window\": true, \"sliding_window\": " + window);
    Files.writeString(config, json, StandardCharsets.UTF_8);
    DecoderModel model = DecoderFolder.load(qwen.folder()).model();
    assertEquals(window, model.config().slidingWindow(), "the config edit took effect");
    return model;
  }

  @Test
  void generationStopsWhereTheSlidingWindowEndsInsteadOfFailing(@TempDir Path dir)
      throws IOException {
    DecoderModel model = windowed(dir, 8);
    // greedy, no stop ids: only the positions end it; 3 prompt tokens leave 5 of the 8
    int[] out =
        new Generator(model, TokenSampler.greedy())
            .generate(WORKERS, new int[] {1, 5, 7}, 100, id -> {});
    assertEquals(5, out.length);
  }

  @Test
  void aPromptLongerThanTheSlidingWindowIsRefusedUpFront(@TempDir Path dir) throws IOException {
    DecoderModel model = windowed(dir, 4);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Generator(model, TokenSampler.greedy())
                    .generate(WORKERS, new int[] {1, 2, 3, 4, 5}, 3, id -> {}));
    assertEquals(true, e.getMessage().contains("at most 4"), e.getMessage());
  }
}
