package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MiniLM written as a Hugging Face folder and read back computes exactly what it did before. */
class MiniLmRoundTripTest {

  @Test
  void savedAndReloadedModelGivesBitIdenticalOutputs(@TempDir Path dir) throws Exception {
    BertCheckpoint original = MiniLmFixture.checkpoint();
    HuggingFaceFolder.save(dir, original);
    assertTrue(Files.isRegularFile(dir.resolve(HuggingFaceFolder.CONFIG)));
    assertTrue(Files.isRegularFile(dir.resolve(HuggingFaceFolder.WEIGHTS)));

    BertCheckpoint reloaded = HuggingFaceFolder.load(dir);
    assertEquals(original.config(), reloaded.config());
    assertTrue(original.parameters().contentEquals(reloaded.parameters()), "weights bit-identical");

    EncoderInput input =
        MiniLmFixture.batch(
            List.of(
                "a gripping, beautifully shot film.",
                "the plot never comes together, and the jokes fall flat.",
                "ok."));
    float[] before = MiniLmFixture.encoder().forward(input, Workers.serial());
    float[] after =
        BertEncoder.of(reloaded.config(), reloaded.parameters()).forward(input, Workers.serial());
    assertArrayEquals(before, after);
  }
}
