package io.github.mezo4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.model.DecoderConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory plan: its arithmetic, its refusals, and the headers-only counts it is made of. */
class MemoryPlanTest {
  @TempDir Path dir;

  private static final long MIB = 1L << 20;

  @Test
  void thePeakIsTheRuntimeAndWeightsPlusTheLargerOfLoadingAndRunning() {
    MemoryPlan p = new MemoryPlan("m", 150 * MIB, 1000 * MIB, 900 * MIB, 280 * MIB, 0, "x");
    assertEquals(40 * MIB, p.collectorBytes(), "1/32 of the 1280 MiB heap");
    assertEquals(2090 * MIB, p.peakBytes(), "loading (900) outweighs the activations (280)");
    MemoryPlan q = new MemoryPlan("m", 150 * MIB, 1000 * MIB, 100 * MIB, 280 * MIB, 320 * MIB, "x");
    assertEquals(1600 * MIB, q.heapBytes());
    assertEquals(1800 * MIB, q.peakBytes(), "activations and optimizer state (600) outweigh 100");
    assertTrue(q.describe().startsWith("memory plan for m: about 1.8 GiB at the peak"));
  }

  @Test
  void aPlanThatDoesNotFitIsRefusedWithTheEstimateTheMemoryAndWhatToChange() {
    MemoryPlan p = new MemoryPlan("llama-7b", 150 * MIB, 25L << 30, 1L << 30, 300 * MIB, 0, "x");
    assertNull(p.refusal(40L << 30, 30L << 30));
    String machine = p.refusal(20L << 30, 30L << 30);
    assertTrue(machine.startsWith("llama-7b needs about 26.9 GiB at the peak"), machine);
    assertTrue(machine.contains("the machine has 20.0 GiB available"), machine);
    assertTrue(machine.contains("--dtype bf16") && machine.contains("--batch"), machine);
    String heap = p.refusal(40L << 30, 16L << 30);
    assertTrue(heap.contains("25.3 GiB of Java heap"), heap);
    assertTrue(heap.contains("MEZO4J_JAVA_OPTS=-Xmx"), heap);
  }

  @Test
  void activationsCountOneLayersBuffersTheScoresAndTheLogits() {
    DecoderConfig c = DecoderConfig.llama(100, 8, 3, 2, 1, 12, 64, 1e-5, 10000.0, false, 1, 2);
    // per token: 6*8 hidden + 2*4 kv + 2*12 MLP + 100 logits = 180 floats; scores 2 heads * 5^2
    long perHalf = 2L * 5 * 180 + 2L * 2 * 5 * 5;
    assertEquals(4 * 2 * perHalf, MemoryPlan.decoderActivations(c, 2, 5, 2, 10));
    assertEquals(4 * perHalf, MemoryPlan.decoderActivations(c, 2, 5, 1, 10));
    // logits for 3 rows only (a chunk, or generation's last positions): 7 rows of 100 fewer
    assertEquals(4 * (perHalf - 7 * 100), MemoryPlan.decoderActivations(c, 2, 5, 1, 3));
    assertEquals(4L * 2 * 3 * 7 * 4, MemoryPlan.kvCacheBytes(c, 7));
    // encoder: 7*8 + 2*12 = 80 floats per token
    assertEquals(4L * (2 * 5 * 80 + 2 * 2 * 25), MemoryPlan.encoderActivations(8, 12, 2, 2, 5, 1));
  }

  /** dim 8, hidden 12, 1 layer, 2 heads, 2 kv heads, vocab 10 (tied), seq_len 6. */
  private Path tinyLlama2c() throws IOException {
    int dim = 8;
    int floats = 10 * dim + dim + 4 * dim * dim + dim + 3 * 12 * dim + dim + 6 * 4;
    ByteBuffer b = ByteBuffer.allocate(28 + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(dim).putInt(12).putInt(1).putInt(2).putInt(2).putInt(10).putInt(6);
    for (int i = 0; i < floats; i++) {
      b.putFloat(i * 1e-3f);
    }
    Path file = dir.resolve("m.bin");
    Files.write(file, b.array());
    return file;
  }

  @Test
  void aFoldersWeightBytesComeFromItsHeadersAndMatchWhatLoadingStores() throws IOException {
    DecoderCheckpoint c = Llama2cCheckpoint.read(tinyLlama2c());
    Path folder = dir.resolve("tiny");
    DecoderFolder.save(folder, c.config(), c.parameters());
    for (DType storage : new DType[] {DType.F32, DType.BF16}) {
      DecoderFolder.Inspection i = DecoderFolder.inspect(folder, storage);
      long loaded =
          DecoderFolder.load(folder, storage).parameters().list().stream()
              .mapToLong(Parameter::bytes)
              .sum();
      assertEquals(loaded, i.weightBytes(), storage.toString());
      assertEquals(c.parameters().elementCount(), i.weightCount(), storage.toString());
      assertEquals(DecoderFolder.load(folder, storage).config(), i.config());
      // the MLP matrices, 12 x 8 floats as saved (f32), are the largest tensors
      assertEquals(12 * 8 * 4, i.largestTensorBytes());
    }
  }

  @Test
  void aLlama2cHeaderGivesTheConfigWithoutTheWeights() throws IOException {
    Path file = tinyLlama2c();
    assertEquals(Llama2cCheckpoint.read(file).config(), Llama2cCheckpoint.readConfig(file));
    Files.write(file, new byte[40]);
    assertThrows(
        ModelFormatException.class, () -> Llama2cCheckpoint.readConfig(file), "checked the same");
  }
}
