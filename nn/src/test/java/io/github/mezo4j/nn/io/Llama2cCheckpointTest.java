package io.github.mezo4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.ParameterSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The llama2.c reader on small files written here in run.c's layout, and on broken ones. */
class Llama2cCheckpointTest {
  @TempDir Path dir;

  /** dim 8, hidden 12, 1 layer, 2 heads, 1 kv head, vocab 10, seq_len 6: element i holds i. */
  private Path write(boolean tied) throws IOException {
    int dim = 8;
    int hidden = 12;
    int kvDim = 4;
    int vocab = 10;
    int seqLen = 6;
    int floats =
        vocab * dim
            + dim
            + dim * dim
            + 2 * kvDim * dim
            + dim * dim
            + dim
            + 3 * hidden * dim
            + dim
            + seqLen * 4
            + (tied ? 0 : vocab * dim);
    ByteBuffer b = ByteBuffer.allocate(28 + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(dim).putInt(hidden).putInt(1).putInt(2).putInt(1).putInt(tied ? vocab : -vocab);
    b.putInt(seqLen);
    for (int i = 0; i < floats; i++) {
      b.putFloat(i);
    }
    Path file = dir.resolve(tied ? "tied.bin" : "untied.bin");
    Files.write(file, b.array());
    return file;
  }

  @Test
  void readsRunCsLayoutIntoHuggingFaceNamesWithPermutedQueriesAndKeys() throws IOException {
    DecoderCheckpoint c = Llama2cCheckpoint.read(write(false));
    ParameterSet p = c.parameters();
    assertFalse(c.config().tieWordEmbeddings());
    assertEquals(0f, p.get("model.embed_tokens.weight").get(0));
    assertEquals(80f, p.get("model.layers.0.input_layernorm.weight").get(0));
    // wq starts at 88; HF row 1 of head 0 is llama2.c row 2 (pairs (0,1),(2,3) -> halves)
    float[] q = p.get("model.layers.0.self_attn.q_proj.weight").toFloatArray();
    assertEquals(88f + 2 * 8, q[8]);
    assertEquals(88f + 1 * 8, q[2 * 8], "HF row 2 is llama2.c row 1");
    // w1 is gate_proj, w3 up_proj, w2 down_proj, in file order w1, w2, w3
    int w1 = 88 + 64 + 2 * 32 + 64 + 8;
    assertEquals(w1, p.get("model.layers.0.mlp.gate_proj.weight").get(0));
    assertEquals(w1 + 96, p.get("model.layers.0.mlp.down_proj.weight").get(0));
    assertEquals(w1 + 192, p.get("model.layers.0.mlp.up_proj.weight").get(0));
    assertEquals(w1 + 288, p.get("model.norm.weight").get(0));
    assertEquals(w1 + 288 + 8 + 24, p.get("lm_head.weight").get(0), "after the RoPE tables");
    assertTrue(Llama2cCheckpoint.read(write(true)).config().tieWordEmbeddings());
  }

  @Test
  void theRowPermutationIsTransformersPermute() throws IOException {
    // head size 4: HF rows (0, 1, 2, 3) of each head come from llama2.c rows (0, 2, 1, 3)
    float[] q =
        Llama2cCheckpoint.read(write(true))
            .parameters()
            .get("model.layers.0.self_attn.q_proj.weight")
            .toFloatArray();
    float[] firstColumn = new float[8];
    for (int r = 0; r < 8; r++) {
      firstColumn[r] = (q[r * 8] - 88) / 8;
    }
    assertArrayEquals(new float[] {0, 2, 1, 3, 4, 6, 5, 7}, firstColumn);
  }

  @Test
  void brokenFilesAreRefusedWithTheReason() throws IOException {
    Path good = write(true);
    byte[] bytes = Files.readAllBytes(good);
    Path truncated = dir.resolve("truncated.bin");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 4));
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> Llama2cCheckpoint.read(truncated));
    assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("needs exactly " + bytes.length), e.getMessage());

    Path versioned = dir.resolve("v1.bin");
    ByteBuffer magic = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN).putInt(0x616b3432);
    Files.write(versioned, magic.array());
    e = assertThrows(ModelFormatException.class, () -> Llama2cCheckpoint.read(versioned));
    assertTrue(e.getMessage().contains("versioned llama2.c export"), e.getMessage());

    Path zeroHeads = dir.resolve("zero.bin");
    byte[] copy = bytes.clone();
    ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 0);
    Files.write(zeroHeads, copy);
    e = assertThrows(ModelFormatException.class, () -> Llama2cCheckpoint.read(zeroHeads));
    assertTrue(e.getMessage().contains("n_heads is 0"), e.getMessage());
  }

  @Test
  void aHeaderWhoseSizesOverflowIsRefusedBeforeAllocating() throws IOException {
    // dim 2^30 with head size 2, n_layers and vocab_size chosen so that the tensor sizes summed
    // in 64 bits wrap around to exactly this 36-byte file: the size check alone passed it, and
    // vocab * dim in 32 bits then asked for a 2^30-float (4 GiB) embedding
    int layers = 429_496_730;
    int vocab = (int) ((1L << 32) - 5L * layers - 1);
    ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(1 << 30).putInt(1).putInt(layers).putInt(1 << 29).putInt(1 << 29).putInt(vocab);
    b.putInt(1);
    Path crafted = dir.resolve("crafted.bin");
    Files.write(crafted, b.array());
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> Llama2cCheckpoint.read(crafted));
    assertTrue(e.getMessage().contains(crafted.toString()), e.getMessage());
  }
}
