package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.io.Llama2cCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pretrained stories260K model against greedy_reference.json, which was computed by an
 * independent float64 numpy forward pass (shared/data/stories260k/PROVENANCE.md) and reproduces
 * Karpathy's published sample.
 */
class Stories260kTest {
  private static final Workers WORKERS = Workers.of(2);

  private static DecoderCheckpoint checkpoint() throws IOException {
    return Llama2cCheckpoint.read(Stories260k.folder().resolve("stories260K.bin"));
  }

  private static JsonNode reference() throws IOException {
    return JsonMapper.builder()
        .build()
        .readTree(Files.readString(Stories260k.folder().resolve("greedy_reference.json")));
  }

  private static int[] referenceTokens(JsonNode ref) {
    JsonNode tokens = ref.get("tokens");
    int[] out = new int[tokens.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = tokens.get(i).intValue();
    }
    return out;
  }

  @Test
  void headerDescribesTheModelInProvenance() throws IOException {
    DecoderConfig c = checkpoint().config();
    assertEquals(64, c.hiddenSize());
    assertEquals(172, c.intermediateSize());
    assertEquals(5, c.numLayers());
    assertEquals(8, c.numHeads());
    assertEquals(4, c.numKvHeads());
    assertEquals(512, c.vocabSize());
    assertEquals(512, c.maxPositions());
    assertTrue(c.tieWordEmbeddings());
    assertEquals(264_128 - 4_096, checkpoint().model().parameters().elementCount());
  }

  @Test
  void firstLogitsMatchTheReferenceWithin1e4() throws IOException {
    JsonNode ref = reference();
    float[] logits = checkpoint().model().forward(WORKERS, TokenBatch.of(1));
    JsonNode expected = ref.get("logits_after_bos_first8");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).doubleValue(), logits[i], 1e-4, "logit " + i + " after BOS");
    }
    int argmax = 0;
    for (int i = 1; i < logits.length; i++) {
      argmax = logits[i] > logits[argmax] ? i : argmax;
    }
    assertEquals(ref.get("argmax_after_bos").intValue(), argmax);
  }

  @Test
  void greedyDecodingFromBosReproducesThe256ReferenceTokens() throws IOException {
    int[] expected = referenceTokens(reference());
    List<Integer> streamed = new ArrayList<>();
    int[] generated =
        new Generator(checkpoint().model(), TokenSampler.greedy())
            .generate(WORKERS, new int[] {1}, expected.length - 1, streamed::add);
    int[] all = new int[generated.length + 1];
    all[0] = 1;
    System.arraycopy(generated, 0, all, 1, generated.length);
    assertArrayEquals(expected, all);
    assertEquals(Arrays.stream(generated).boxed().toList(), streamed);
  }

  @Test
  void incrementalDecodingEqualsTheFullForwardPass() throws IOException {
    DecoderModel model = checkpoint().model();
    int[] tokens = Arrays.copyOf(referenceTokens(reference()), 40);
    float[] full = model.forward(WORKERS, TokenBatch.of(tokens));
    KvCache cache = model.newCache(1, tokens.length);
    // a 7-token chunk, then single tokens: both cache paths
    float[] chunk = model.forward(WORKERS, TokenBatch.of(Arrays.copyOf(tokens, 7)), cache);
    int v = model.vocabSize();
    assertClose(Arrays.copyOf(full, 7 * v), chunk, 1e-5f, "prefill");
    for (int t = 7; t < tokens.length; t++) {
      float[] step = model.nextTokenLogits(WORKERS, TokenBatch.of(tokens[t]), cache);
      assertClose(Arrays.copyOfRange(full, t * v, (t + 1) * v), step, 1e-5f, "position " + t);
    }
  }

  @Test
  void convertedHuggingFaceFolderGivesTheSameLogits(@TempDir Path dir) throws IOException {
    Path folder = dir.resolve("stories260k-hf");
    Llama2cCheckpoint.convertToHuggingFace(Stories260k.folder().resolve("stories260K.bin"), folder);
    assertTrue(Files.isRegularFile(folder.resolve("config.json")));
    assertTrue(Files.isRegularFile(folder.resolve("model.safetensors")));
    DecoderCheckpoint loaded = DecoderFolder.load(folder);
    assertEquals(checkpoint().config(), loaded.config());
    int[] tokens = Arrays.copyOf(referenceTokens(reference()), 64);
    float[] original = checkpoint().model().forward(WORKERS, TokenBatch.of(tokens));
    float[] viaHf = loaded.model().forward(WORKERS, TokenBatch.of(tokens));
    assertArrayEquals(original, viaHf);
    // and the HF path reproduces the reference logits after BOS, so the folder is not just
    // self-consistent but right
    JsonNode expected = reference().get("logits_after_bos_first8");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).doubleValue(), viaHf[i], 1e-4, "logit " + i);
    }
  }

  static void assertClose(float[] expected, float[] actual, float tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
        throw new AssertionError(
            "%s: element %d is %s, expected %s +- %s"
                .formatted(what, i, actual[i], expected[i], tol));
      }
    }
  }
}
