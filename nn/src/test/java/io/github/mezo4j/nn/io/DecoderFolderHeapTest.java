package io.github.mezo4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A decoder too large for the heap is refused by name before any weight is read. */
class DecoderFolderHeapTest {
  @Test
  void weightsThatFitPass() {
    assertNull(DecoderFolder.heapRefusal("m", 1_000, 1_000, 2_000));
  }

  @Test
  void aSevenBillionWeightModelInASixGigabyteHeapIsRefusedWithTheSizesAndTheFix() {
    String r =
        DecoderFolder.heapRefusal("llama-7b", 6_738_415_616L * 4, 5_900_000_000L, 6_000_000_000L);
    assertTrue(r.startsWith("llama-7b: its weights take 27.0 GB in memory as loaded"), r);
    assertTrue(r.contains("--dtype auto or bf16"), r);
    assertTrue(r.contains("5.9 GB this JVM's heap has free (at most 6.0 GB, -Xmx)"), r);
    assertTrue(r.contains("MEZO4J_JAVA_OPTS=-Xmx"), r);
  }
}
