package io.github.mezo4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.onnx.OnnxBertImporter;
import io.github.mezo4j.nn.io.safetensors.RawSafetensors;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import io.github.mezo4j.nn.model.BertConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round trips the real all-MiniLM-L6-v2 weights through Hugging Face folders, then corrupts real
 * files in every way the loaders must catch. MiniLM is imported and saved once for the class.
 */
class HuggingFaceFolderTest {
  @TempDir static Path shared;
  @TempDir Path dir;

  private static BertCheckpoint minilm;
  private static byte[] onnx;
  private static Path folder;
  private static Path weights;

  @BeforeAll
  static void saveMiniLm() throws IOException {
    onnx = MiniLm.onnxBytes();
    minilm =
        OnnxBertImporter.importBert(
            onnx, "classpath:" + MiniLm.ONNX_RESOURCE, 0, MiniLm.tokenizerJson());
    folder = shared.resolve("all-MiniLM-L6-v2");
    HuggingFaceFolder.save(folder, minilm);
    weights = folder.resolve(HuggingFaceFolder.WEIGHTS);
  }

  @Test
  void roundTripsMiniLmBitForBit() throws IOException {
    assertEquals(
        folder.resolve("tokenizer.json"), HuggingFaceFolder.tokenizerPath(folder).orElseThrow());
    try (Stream<Path> files = Files.list(folder)) {
      assertEquals(
          List.of("config.json", "model.safetensors", "tokenizer.json"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    BertCheckpoint back = HuggingFaceFolder.load(folder);
    assertEquals(minilm.config(), back.config());
    assertEquals(minilm.parameters().names(), back.parameters().names());
    assertTrue(back.parameters().contentEquals(minilm.parameters()));
    assertArrayEquals(
        minilm.tokenizer().orElseThrow().bytes(), back.tokenizer().orElseThrow().bytes());
    try (SafetensorsReader r = SafetensorsReader.open(weights)) {
      assertEquals("pt", r.metadata().get("format"));
    }
  }

  @Test
  void writesTheConfigKeysTransformersReads() throws IOException {
    JsonNode json =
        RawSafetensors.JSON.readTree(Files.readString(folder.resolve(HuggingFaceFolder.CONFIG)));
    assertEquals("bert", json.get("model_type").asText());
    assertEquals("BertModel", json.get("architectures").get(0).asText());
    assertEquals(384, json.get("hidden_size").asInt());
    assertEquals(6, json.get("num_hidden_layers").asInt());
    assertEquals(12, json.get("num_attention_heads").asInt());
    assertEquals(1536, json.get("intermediate_size").asInt());
    assertEquals(30522, json.get("vocab_size").asInt());
    assertEquals(512, json.get("max_position_embeddings").asInt());
    assertEquals(2, json.get("type_vocab_size").asInt());
    assertEquals(1e-12, json.get("layer_norm_eps").asDouble());
    assertEquals(0, json.get("pad_token_id").asInt());
    assertEquals("gelu", json.get("hidden_act").asText());
  }

  @Test
  void roundTripsShardedFolders() throws IOException {
    Path sharded = dir.resolve("sharded");
    HuggingFaceFolder.save(sharded, minilm.config(), minilm.parameters(), null, 20_000_000);
    try (Stream<Path> files = Files.list(sharded)) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertTrue(names.contains(HuggingFaceFolder.INDEX), names.toString());
      assertTrue(names.contains("model-00001-of-00004.safetensors"), names.toString());
      assertFalse(names.contains(HuggingFaceFolder.WEIGHTS), names.toString());
    }
    JsonNode index =
        RawSafetensors.JSON.readTree(Files.readString(sharded.resolve(HuggingFaceFolder.INDEX)));
    assertEquals(minilm.parameters().bytes(), index.get("metadata").get("total_size").asLong());
    assertEquals(minilm.parameters().count(), index.get("weight_map").size());
    BertCheckpoint back = HuggingFaceFolder.load(sharded);
    assertTrue(back.parameters().contentEquals(minilm.parameters()));
    assertTrue(back.tokenizer().isEmpty());

    // saving a single file over it removes the old shards and index
    HuggingFaceFolder.save(sharded, minilm.config(), minilm.parameters());
    try (Stream<Path> files = Files.list(sharded)) {
      assertEquals(
          List.of("config.json", "model.safetensors"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertTrue(HuggingFaceFolder.load(sharded).parameters().contentEquals(minilm.parameters()));
  }

  @Test
  void roundTripsBf16AndWidensOnRequest() throws IOException {
    List<Parameter> bf16 = new ArrayList<>();
    for (Parameter p : minilm.parameters()) {
      bf16.add(Parameter.of(p.name(), DType.BF16, p.shape(), p.toFloatArray()));
    }
    ParameterSet params = ParameterSet.of(bf16);
    Path out = dir.resolve("bf16");
    HuggingFaceFolder.save(out, minilm.config(), params);
    BertCheckpoint back = HuggingFaceFolder.load(out);
    assertTrue(back.parameters().contentEquals(params));
    BertCheckpoint widened = HuggingFaceFolder.load(out, DType.F32);
    for (Parameter p : params) {
      Parameter w = widened.parameters().get(p.name());
      assertEquals(DType.F32, w.dtype());
      assertArrayEquals(p.toFloatArray(), w.f32Data(), p.name());
    }
  }

  @Test
  void acceptsTaskModelPrefixesAndIntegerBuffers() throws IOException {
    Path out = dir.resolve("classifier");
    Files.createDirectories(out);
    List<Parameter> prefixed = new ArrayList<>();
    for (Parameter p : minilm.parameters()) {
      prefixed.add(Parameter.f32("bert." + p.name(), p.shape(), p.f32Data())); // shares storage
    }
    Parameter head = Parameter.f32("classifier.weight", new int[] {2, 384}, new float[768]);
    prefixed.add(head);
    SafetensorsWriter.write(out.resolve(HuggingFaceFolder.WEIGHTS), prefixed, null);
    BertConfig config = minilm.config().withArchitectures(List.of("BertForSequenceClassification"));
    Files.writeString(out.resolve(HuggingFaceFolder.CONFIG), config.toJson());
    BertCheckpoint back = HuggingFaceFolder.load(out);
    assertEquals(config, back.config());
    assertEquals("classifier.weight", back.parameters().names().getLast());
    List<String> encoder = back.parameters().names().subList(0, minilm.parameters().count());
    assertEquals(minilm.parameters().names(), encoder);
    assertTrue(
        back.parameters()
            .get("embeddings.LayerNorm.bias")
            .contentEquals(minilm.parameters().get("embeddings.LayerNorm.bias")));

    // saving writes the names back as Hugging Face has them: bert.* for the encoder, head as is
    Path saved = dir.resolve("classifier-saved");
    HuggingFaceFolder.save(saved, back);
    try (SafetensorsReader r = SafetensorsReader.open(saved.resolve(HuggingFaceFolder.WEIGHTS))) {
      assertEquals(
          prefixed.stream().map(Parameter::name).sorted().toList(),
          r.names().stream().sorted().toList());
    }
    assertTrue(HuggingFaceFolder.load(saved).parameters().contentEquals(back.parameters()));

    // an int64 position_ids buffer, as older PyTorch checkpoints hold, is skipped
    long end = minilm.parameters().bytes() + 2 * 384 * 4;
    Path withBuffer = dir.resolve("buffer");
    Files.createDirectories(withBuffer);
    Files.writeString(withBuffer.resolve(HuggingFaceFolder.CONFIG), config.toJson());
    RawSafetensors.rewriteHeader(
        out.resolve(HuggingFaceFolder.WEIGHTS),
        withBuffer.resolve(HuggingFaceFolder.WEIGHTS),
        h -> {
          ObjectNode ids = h.putObject("bert.embeddings.position_ids");
          ids.put("dtype", "I64");
          ids.putArray("shape").add(1).add(512);
          ids.putArray("data_offsets").add(end).add(end + 512 * 8);
        },
        new byte[512 * 8]);
    BertCheckpoint buffered = HuggingFaceFolder.load(withBuffer);
    assertFalse(buffered.parameters().contains("embeddings.position_ids"));
    assertTrue(buffered.parameters().contentEquals(back.parameters()));
  }

  private static Path writeSmall(Path file) throws IOException {
    SafetensorsWriter.write(
        file, ParameterSet.of(Parameter.f32("a.b", new int[] {1}, new float[1])));
    return file;
  }

  // ---- corrupted real files ------------------------------------------------------------------

  private ModelFormatException loadFails(Path broken, String... mentions) {
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> HuggingFaceFolder.load(broken));
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), "'" + m + "' not in: " + e.getMessage());
    }
    return e;
  }

  /** A folder holding MiniLM's config and tokenizer, and {@code weightsContent} as weights. */
  private Path folderWith(String name, byte[] weightsContent) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f);
    Files.copy(folder.resolve(HuggingFaceFolder.CONFIG), f.resolve(HuggingFaceFolder.CONFIG));
    Files.write(f.resolve(HuggingFaceFolder.WEIGHTS), weightsContent);
    return f;
  }

  private Path folderWithHeader(String name, Consumer<ObjectNode> edit) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f);
    Files.copy(folder.resolve(HuggingFaceFolder.CONFIG), f.resolve(HuggingFaceFolder.CONFIG));
    RawSafetensors.rewriteHeader(weights, f.resolve(HuggingFaceFolder.WEIGHTS), edit);
    return f;
  }

  private Path folderWithConfig(String name, Consumer<ObjectNode> edit) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f);
    Files.createLink(f.resolve(HuggingFaceFolder.WEIGHTS), weights);
    ObjectNode config =
        (ObjectNode)
            RawSafetensors.JSON.readTree(
                Files.readString(folder.resolve(HuggingFaceFolder.CONFIG)));
    edit.accept(config);
    Files.writeString(f.resolve(HuggingFaceFolder.CONFIG), config.toString());
    return f;
  }

  private static ArrayNode offsets(ObjectNode header, String tensor) {
    return (ArrayNode) header.get(tensor).get("data_offsets");
  }

  @Test
  void truncatedWeightsAreRejected() throws IOException {
    byte[] all = Files.readAllBytes(weights);
    Path f = folderWith("truncated", Arrays.copyOf(all, all.length - 1000));
    loadFails(f, f.resolve("model.safetensors").toString(), "run past the end", "tensor '");
    Path g = folderWith("header-only", Arrays.copyOf(all, 4));
    loadFails(g, g.resolve("model.safetensors").toString(), "shorter than the 8-byte");
  }

  @Test
  void corruptHeaderLengthIsRejected() throws IOException {
    byte[] all = Files.readAllBytes(weights);
    byte[] big = all.clone();
    big[5] = 0x7F; // header length ~ 2^47
    loadFails(folderWith("big-header", big), "header length", "exceeds");
    byte[] off = all.clone();
    off[0] += 8; // header now swallows the first 8 data bytes, which are not JSON
    loadFails(folderWith("shifted-header", off), "model.safetensors", "header is not valid");
    byte[] past = all.clone();
    java.nio.ByteBuffer.wrap(past)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putLong(0, all.length); // longer than the file
    loadFails(folderWith("past-header", past), "past the end of the file");
  }

  @Test
  void offsetsOutOfRangeOrOverlappingAreRejected() throws IOException {
    String last = "encoder.layer.5.output.LayerNorm.bias";
    loadFails(
        folderWithHeader(
            "out-of-range",
            h -> {
              ArrayNode o = offsets(h, last);
              long shift = 1 << 20;
              o.set(0, o.get(0).asLong() + shift);
              o.set(1, o.get(1).asLong() + shift);
            }),
        "tensor '" + last + "'",
        "run past the end");
    String bias = "embeddings.LayerNorm.bias";
    String weight = "embeddings.LayerNorm.weight";
    loadFails(
        folderWithHeader(
            "overlap",
            h -> {
              // point the bias at the weight's bytes
              offsets(h, bias).set(0, offsets(h, weight).get(0).asLong());
              offsets(h, bias).set(1, offsets(h, weight).get(1).asLong());
            }),
        "overlap",
        weight,
        bias);
  }

  @Test
  void changedDtypeOrShapeIsRejected() throws IOException {
    String name = "encoder.layer.2.attention.self.key.weight";
    loadFails(
        folderWithHeader("dtype", h -> ((ObjectNode) h.get(name)).put("dtype", "F16")),
        "tensor '" + name + "'",
        "F16",
        "needs 294912 bytes");
    loadFails(
        folderWithHeader("unknown-dtype", h -> ((ObjectNode) h.get(name)).put("dtype", "Q4_K")),
        "tensor '" + name + "'",
        "unknown dtype 'Q4_K'");
    // same byte size, wrong shape: the file is valid, the model is not
    loadFails(
        folderWithHeader(
            "shape",
            h -> {
              ArrayNode shape = ((ObjectNode) h.get(name)).putArray("shape");
              shape.add(768).add(192);
            }),
        "tensor '" + name + "'",
        "shape [768, 192], expected [384, 384]");
  }

  @Test
  void shardNamesFromTheIndexAreEscapedInMessages() throws IOException {
    Path sharded = dir.resolve("sharded-hostile");
    HuggingFaceFolder.save(sharded, minilm.config(), minilm.parameters(), null, 20_000_000);
    Path index = sharded.resolve(HuggingFaceFolder.INDEX);
    ObjectNode json = (ObjectNode) RawSafetensors.JSON.readTree(Files.readString(index));
    ((ObjectNode) json.get("weight_map"))
        .put("encoder.layer.0.output.dense.bias", "\u001b]0;pwned\u0007\u001b[2J.safetensors");
    Files.writeString(index, json.toString());
    IOException e = assertThrows(IOException.class, () -> HuggingFaceFolder.load(sharded));
    String m = e.getMessage();
    assertTrue(m.contains("shard '\\u001b]0;pwned\\u0007\\u001b[2J.safetensors'"), m);
    assertTrue(m.chars().noneMatch(c -> c < 0x20), m);
  }

  @Test
  void deletedTensorIsRejected() throws IOException {
    String name = "encoder.layer.3.intermediate.dense.bias";
    // removed from the header only: its bytes become a hole
    loadFails(folderWithHeader("hole", h -> h.remove(name)), "leave bytes", "unused");
    // removed properly: a valid file that lacks a tensor the config needs
    Path f = dir.resolve("missing");
    Files.createDirectories(f);
    Files.copy(folder.resolve(HuggingFaceFolder.CONFIG), f.resolve(HuggingFaceFolder.CONFIG));
    List<Parameter> rest = new ArrayList<>(minilm.parameters().list());
    rest.removeIf(p -> p.name().equals(name));
    SafetensorsWriter.write(f.resolve(HuggingFaceFolder.WEIGHTS), rest, null);
    loadFails(f, f.resolve("model.safetensors").toString(), "missing tensor '" + name + "'");
    // and an index listing a tensor its shard lacks
    Path sharded = dir.resolve("sharded-missing");
    HuggingFaceFolder.save(sharded, minilm.config(), minilm.parameters(), null, 20_000_000);
    Path index = sharded.resolve(HuggingFaceFolder.INDEX);
    ObjectNode json = (ObjectNode) RawSafetensors.JSON.readTree(Files.readString(index));
    ((ObjectNode) json.get("weight_map"))
        .put("encoder.layer.9.output.dense.bias", "model-00001-of-00004.safetensors");
    Files.writeString(index, json.toString());
    loadFails(
        sharded, "missing tensor 'encoder.layer.9.output.dense.bias'", "model-00001-of-00004");
  }

  @Test
  void badConfigIsRejected() throws IOException {
    loadFails(
        folderWithConfig("arch", c -> c.putArray("architectures").add("BertForSomethingElse")),
        "config.json",
        "architecture 'BertForSomethingElse'",
        "BertForSequenceClassification");
    loadFails(
        folderWithConfig("type", c -> c.put("model_type", "gpt2")),
        "config.json",
        "model_type 'gpt2'",
        "[bert, roberta, xlm-roberta]");
    loadFails(
        folderWithConfig("field", c -> c.remove("num_attention_heads")),
        "config.json",
        "missing field 'num_attention_heads'");
    loadFails(
        folderWithConfig("heads", c -> c.put("num_attention_heads", 5)),
        "config.json",
        "hidden_size 384 is not divisible by num_attention_heads 5");
    // a config that parses but disagrees with the weights
    loadFails(
        folderWithConfig("layers", c -> c.put("num_hidden_layers", 7)),
        "model.safetensors",
        "missing tensor 'encoder.layer.6.attention.self.query.weight'");
    loadFails(
        folderWithConfig("fewer-layers", c -> c.put("num_hidden_layers", 5)),
        "unexpected encoder tensor 'encoder.layer.5.");
  }

  @Test
  void truncatedOnnxIsRejected() throws IOException {
    for (int cut : new int[] {1, 100, onnx.length / 3, onnx.length / 2, onnx.length - 1}) {
      byte[] truncated = Arrays.copyOf(onnx, cut);
      ModelFormatException e =
          assertThrows(
              ModelFormatException.class,
              () -> OnnxBertImporter.importBert(truncated, "minilm-cut-" + cut, 0),
              "cut at " + cut);
      assertTrue(e.getMessage().startsWith("minilm-cut-" + cut + ": "), e.getMessage());
    }
  }

  @Test
  void savingRefusesParametersThatDoNotMatchTheConfig() {
    BertConfig wrong =
        new BertConfig(
            "bert",
            List.of(),
            30522,
            384,
            7,
            12,
            1536,
            "gelu",
            512,
            2,
            1e-12,
            0,
            java.util.Map.of());
    Path out = dir.resolve("never");
    Executable save = () -> HuggingFaceFolder.save(out, wrong, minilm.parameters());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, save);
    assertTrue(e.getMessage().contains("encoder.layer.6"), e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void configFileIsUtf8Json() throws IOException {
    String text = Files.readString(folder.resolve("config.json"), StandardCharsets.UTF_8);
    assertEquals(minilm.config(), BertConfig.fromJson(text, "config.json"));
  }
}
