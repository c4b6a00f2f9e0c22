package io.github.mezo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.model.TokenBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomLlamaFolderTest {
  @Test
  void writesAShardedBf16FolderThatLoadsAndRunsAndNeverOverwrites(@TempDir Path tmp)
      throws Exception {
    RandomLlamaFolder.Shape shape = RandomLlamaFolder.Shape.of("tiny");
    Path folder = tmp.resolve("model");
    RandomLlamaFolder.write(folder, shape, 100_000, 1);
    try (Stream<Path> files = Files.list(folder)) {
      assertTrue(files.filter(f -> f.toString().endsWith(".safetensors")).count() > 2, "sharded");
    }
    DecoderCheckpoint m = DecoderFolder.load(folder, null);
    long count = 0;
    for (Parameter p : m.parameters()) {
      assertEquals(DType.BF16, p.dtype(), p.name());
      count += p.size();
    }
    assertEquals(shape.parameters(), count);
    assertEquals(4096, m.config().maxPositions());
    float[] logits = m.model().forward(Workers.serial(), TokenBatch.of(1, 7, 300, 2));
    assertEquals(4 * shape.vocab(), logits.length);
    for (float v : logits) {
      assertTrue(Float.isFinite(v));
    }
    // a 7B shape counts Llama 2's 6,738,415,616 weights
    assertEquals(6_738_415_616L, RandomLlamaFolder.Shape.of("llama-7b").parameters());
    // 22 layers of 4 x 2048^2 + 3 x 2048 x 5632 + 2 x 2048, two 32000 x 2048 tables, a final norm
    assertEquals(
        22L * (4L * 2048 * 2048 + 3L * 2048 * 5632 + 2 * 2048) + 2L * 32000 * 2048 + 2048,
        RandomLlamaFolder.Shape.of("llama-1b").parameters());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RandomLlamaFolder.write(folder, shape, 100_000, 1));
    assertTrue(e.getMessage().contains("exists"), e.getMessage());
  }
}
