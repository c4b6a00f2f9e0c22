package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.data.SharedData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden cases made by Hugging Face tokenizers itself (tools/tokenizer-reference/
 * generate-bpe-golden.mjs): GPT-2's real byte-level BPE (with Llama 3 and Qwen2 split patterns,
 * offset trimming, templates, extra added tokens) and a SentencePiece-style BPE with byte fallback
 * written by this project (Llama 2 layout, Metaspace variants, without byte fallback). Ids, type
 * ids, masks, tokens, offsets and both decodings must match exactly.
 */
class BpeGoldenTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> curatedCasesMatchHuggingFaceTokenizers() throws IOException {
    Golden golden = new Golden("bpe-golden.jsonl");
    return golden.cases.stream()
        .map(c -> DynamicTest.dynamicTest(c.get("id").asText(), () -> golden.check(c, texts(c))));
  }

  @TestFactory
  Stream<DynamicTest> sst2SentencesMatchHuggingFaceTokenizers() throws IOException {
    Path data;
    try {
      data = SharedData.root("glue-sst2");
    } catch (NoSuchFileException e) {
      String why = "SKIPPED: " + e.getReason() + "; looked at " + e.getFile();
      return Stream.of(DynamicTest.dynamicTest(why, () -> assumeTrue(false, why)));
    }
    Golden golden = new Golden("bpe-golden-sst2.jsonl");
    List<String[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(data.resolve("glue-sst2/dev.tsv"))) {
      if (!line.isEmpty()) {
        rows.add(line.split("\t", -1));
      }
    }
    return golden.cases.stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("id").asText(), () -> golden.check(c, sst2Texts(c, rows))));
  }

  private static List<String[]> texts(JsonNode c) {
    List<String[]> out = new ArrayList<>();
    for (JsonNode input : c.get("texts")) {
      String[] t = new String[input.size()];
      for (int i = 0; i < t.length; i++) {
        t[i] = input.get(i).asText();
      }
      out.add(t);
    }
    return out;
  }

  private static List<String[]> sst2Texts(JsonNode c, List<String[]> rows)
      throws NoSuchAlgorithmException {
    JsonNode ref = c.get("refs").get(0).get(0);
    int column = List.of(rows.get(0)).indexOf(ref.get("column").asText());
    String text = rows.get(ref.get("row").asInt() + 1)[column].strip();
    assertEquals(ref.get("sha256").asText(), sha256(text), "SST-2 dev row " + ref.get("row"));
    List<String[]> out = new ArrayList<>();
    out.add(new String[] {text});
    return out;
  }

  static String sha256(String s) throws NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** One golden file and the tokenizers of its configurations. */
  static final class Golden {
    final JsonNode header;
    final List<JsonNode> cases = new ArrayList<>();
    private final Map<String, BpeTokenizer> tokenizers = new HashMap<>();
    private final Map<String, JsonNode> bases = new HashMap<>();

    Golden(String resource) throws IOException {
      try (InputStream in = BpeGoldenTest.class.getResourceAsStream("/tokenizer/" + resource)) {
        if (in == null) {
          throw new IOException("test resource missing: tokenizer/" + resource);
        }
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        header = MAPPER.readTree(r.readLine());
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (!line.isBlank()) {
            cases.add(MAPPER.readTree(line));
          }
        }
      }
    }

    /** The base file of a configuration, checked against the hash it was generated from. */
    private synchronized JsonNode base(String name) throws Exception {
      JsonNode cached = bases.get(name);
      if (cached != null) {
        return cached;
      }
      JsonNode info = header.get("bases").get(name);
      String text;
      if (info.has("resource")) {
        try (InputStream in =
            BpeGoldenTest.class.getResourceAsStream("/" + info.get("resource").asText())) {
          text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      } else {
        String file = info.get("file").asText();
        String folder = file.substring(0, file.indexOf('/'));
        Path root;
        try {
          root = SharedData.root(folder);
        } catch (NoSuchFileException e) {
          assumeTrue(false, "SKIPPED: shared data folder " + folder + " is missing");
          return null;
        }
        text = Files.readString(root.resolve(file));
      }
      assertEquals(info.get("sha256").asText(), sha256(text), "base tokenizer " + name);
      JsonNode json = MAPPER.readTree(text);
      bases.put(name, json);
      return json;
    }

    synchronized BpeTokenizer tokenizer(String config) throws Exception {
      BpeTokenizer cached = tokenizers.get(config);
      if (cached != null) {
        return cached;
      }
      JsonNode c = header.get("configs").get(config);
      ObjectNode json = base(c.get("base").asText()).deepCopy();
      if (c.has("override")) {
        c.get("override").properties().forEach(e -> json.set(e.getKey(), e.getValue()));
      }
      if (c.has("model")) {
        ObjectNode model = (ObjectNode) json.get("model");
        c.get("model").properties().forEach(e -> model.set(e.getKey(), e.getValue()));
      }
      BpeTokenizer tokenizer = BpeTokenizer.fromJson(MAPPER.writeValueAsString(json), config);
      tokenizers.put(config, tokenizer);
      return tokenizer;
    }

    void check(JsonNode c, List<String[]> texts) throws Exception {
      BpeTokenizer tokenizer = configure(tokenizer(c.get("config").asText()), c);
      boolean addSpecial = c.get("add_special_tokens").asBoolean();
      String id = c.get("id").asText();
      if (c.has("error")) {
        assertThrows(
            IllegalArgumentException.class,
            () -> encode(tokenizer, texts, addSpecial),
            id + ": the reference failed with " + c.get("error"));
        return;
      }
      List<Encoding> actual = encode(tokenizer, texts, addSpecial);
      JsonNode expected = c.get("expected");
      assertEquals(expected.size(), actual.size(), "batch size");
      for (int i = 0; i < actual.size(); i++) {
        Encoding e = actual.get(i);
        JsonNode x = expected.get(i);
        String at = " of input " + i + " in case " + id;
        assertArrayEquals(ints(x.get("ids")), e.ids(), "ids" + at);
        assertArrayEquals(ints(x.get("type_ids")), e.typeIds(), "type ids" + at);
        assertArrayEquals(ints(x.get("attention_mask")), e.attentionMask(), "attention mask" + at);
        if (x.has("tokens")) {
          List<String> tokens = new ArrayList<>();
          x.get("tokens").forEach(t -> tokens.add(t.asText()));
          assertEquals(tokens, e.tokens(), "tokens" + at);
        }
        // The reference counts offsets in code points; ours are UTF-16 indices into the text.
        for (int k = 0; k < e.length(); k++) {
          int seq = e.sequenceIds()[k];
          int[] offsets = {0, 0};
          if (seq >= 0) {
            String text = texts.get(i)[seq];
            offsets[0] = text.codePointCount(0, e.offsetStarts()[k]);
            offsets[1] = text.codePointCount(0, e.offsetEnds()[k]);
          }
          assertArrayEquals(ints(x.get("offsets").get(k)), offsets, "offsets of token " + k + at);
        }
        String decoded = tokenizer.decode(e.ids(), false);
        String skipped = tokenizer.decode(e.ids(), true);
        if (x.has("decoded")) {
          assertEquals(x.get("decoded").asText(), decoded, "decoded" + at);
          assertEquals(x.get("decoded_skip_special").asText(), skipped, "decoded, skip" + at);
        } else {
          assertEquals(x.get("decoded_sha256").asText(), sha256(decoded), "decoded" + at);
          assertEquals(x.get("decoded_skip_special_sha256").asText(), sha256(skipped), "skip" + at);
        }
      }
    }
  }

  private static List<Encoding> encode(
      BpeTokenizer tokenizer, List<String[]> texts, boolean addSpecial) {
    if (texts.size() == 1) {
      String[] t = texts.get(0);
      return List.of(tokenizer.encode(t[0], t.length > 1 ? t[1] : null, addSpecial));
    }
    assertEquals(true, addSpecial, "batches are encoded with special tokens");
    return tokenizer.encodeBatch(texts.stream().map(t -> t[0]).toList());
  }

  private static BpeTokenizer configure(BpeTokenizer tokenizer, JsonNode c) {
    JsonNode t = c.get("truncation");
    if (t != null && t.isObject()) {
      Side side = t.get("direction").asText().equals("Left") ? Side.LEFT : Side.RIGHT;
      assertEquals("LongestFirst", t.get("strategy").asText());
      tokenizer =
          tokenizer.withTruncation(
              new Truncation(t.get("max_length").asInt(), Truncation.Strategy.LONGEST_FIRST, side));
    }
    JsonNode p = c.get("padding");
    if (p != null && p.isObject()) {
      JsonNode strategy = p.get("strategy");
      int fixed = strategy.isObject() ? strategy.get("Fixed").asInt() : 0;
      Side side = p.get("direction").asText().equals("Left") ? Side.LEFT : Side.RIGHT;
      tokenizer =
          tokenizer.withPadding(
              new Padding(fixed, side, 0, p.get("pad_id").asInt(), 0, p.get("pad_token").asText()));
    }
    return tokenizer;
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
