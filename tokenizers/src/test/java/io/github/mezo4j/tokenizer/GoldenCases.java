package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the golden files made by tools/tokenizer-reference/generate-golden.mjs (Hugging Face
 * tokenizers' own outputs) and checks one case against {@link WordPieceTokenizer}.
 */
final class GoldenCases {
  static final String MINILM_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
  static final ObjectMapper MAPPER = new ObjectMapper();

  final JsonNode header;
  final List<JsonNode> cases = new ArrayList<>();
  private final Map<String, WordPieceTokenizer> tokenizers = new HashMap<>();

  GoldenCases(String resource) throws IOException {
    try (InputStream in = GoldenCases.class.getResourceAsStream("/tokenizer/" + resource)) {
      if (in == null) {
        throw new IOException("test resource missing: tokenizer/" + resource);
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      header = MAPPER.readTree(reader.readLine());
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isBlank()) {
          cases.add(MAPPER.readTree(line));
        }
      }
    }
  }

  /** The bytes of all-MiniLM-L6-v2's tokenizer.json from the resource jar. */
  static byte[] minilmJson() throws IOException {
    try (InputStream in = GoldenCases.class.getClassLoader().getResourceAsStream(MINILM_RESOURCE)) {
      if (in == null) {
        throw new IOException("class path resource missing: " + MINILM_RESOURCE);
      }
      return in.readAllBytes();
    }
  }

  /** The tokenizer of a named configuration: the MiniLM file with top-level fields replaced. */
  synchronized WordPieceTokenizer tokenizer(String config) throws IOException {
    WordPieceTokenizer cached = tokenizers.get(config);
    if (cached != null) {
      return cached;
    }
    ObjectNode json = (ObjectNode) MAPPER.readTree(minilmJson());
    JsonNode overrides = header.get("configs").get(config);
    for (Map.Entry<String, JsonNode> e : overrides.properties()) {
      json.set(e.getKey(), e.getValue());
    }
    WordPieceTokenizer tokenizer =
        WordPieceTokenizer.fromJson(MAPPER.writeValueAsString(json), config);
    tokenizers.put(config, tokenizer);
    return tokenizer;
  }

  /** Checks one golden case whose inputs are {@code texts} (one or two strings per input). */
  void check(JsonNode c, List<String[]> texts) throws IOException {
    WordPieceTokenizer tokenizer = configure(tokenizer(c.get("config").asText()), c);
    boolean addSpecial = c.get("add_special_tokens").asBoolean();
    boolean pairs = texts.get(0).length == 2;
    List<String> firsts = texts.stream().map(t -> t[0]).toList();
    List<String> seconds = pairs ? texts.stream().map(t -> t[1]).toList() : null;
    if (c.has("error")) {
      assertThrows(
          IllegalArgumentException.class,
          () -> encode(tokenizer, firsts, seconds, addSpecial),
          "case " + c.get("id").asText() + ": reference failed with: " + c.get("error").asText());
      return;
    }
    List<Encoding> actual = encode(tokenizer, firsts, seconds, addSpecial);
    JsonNode expected = c.get("expected");
    assertEquals(expected.size(), actual.size(), "batch size");
    for (int i = 0; i < actual.size(); i++) {
      Encoding e = actual.get(i);
      JsonNode x = expected.get(i);
      String at = " of input " + i + " in case " + c.get("id").asText();
      assertArrayEquals(ints(x.get("ids")), e.ids(), "ids" + at);
      assertArrayEquals(ints(x.get("type_ids")), e.typeIds(), "type ids" + at);
      assertArrayEquals(ints(x.get("attention_mask")), e.attentionMask(), "attention mask" + at);
      if (x.has("tokens")) {
        List<String> tokens = new ArrayList<>();
        x.get("tokens").forEach(t -> tokens.add(t.asText()));
        assertEquals(tokens, e.tokens(), "tokens" + at);
      }
      // The reference counts offsets in code points; ours are UTF-16 indices into the text.
      int[][] offsets = new int[e.length()][];
      for (int k = 0; k < e.length(); k++) {
        int seq = e.sequenceIds()[k];
        if (seq < 0) {
          offsets[k] = new int[] {0, 0};
        } else {
          String text = seq == 0 ? firsts.get(i) : seconds.get(i);
          offsets[k] =
              new int[] {
                text.codePointCount(0, e.offsetStarts()[k]),
                text.codePointCount(0, e.offsetEnds()[k])
              };
        }
      }
      for (int k = 0; k < e.length(); k++) {
        assertArrayEquals(ints(x.get("offsets").get(k)), offsets[k], "offsets of token " + k + at);
      }
    }
  }

  private static List<Encoding> encode(
      WordPieceTokenizer tokenizer, List<String> firsts, List<String> seconds, boolean special) {
    if (firsts.size() == 1) {
      return List.of(
          tokenizer.encode(firsts.get(0), seconds == null ? null : seconds.get(0), special));
    }
    return tokenizer.encodeBatch(firsts, seconds, special);
  }

  private static WordPieceTokenizer configure(WordPieceTokenizer tokenizer, JsonNode c) {
    JsonNode t = c.get("truncation");
    if (t.isNull()) {
      tokenizer = tokenizer.withoutTruncation();
    } else if (t.isObject()) {
      Truncation.Strategy strategy =
          switch (t.get("strategy").asText()) {
            case "LongestFirst" -> Truncation.Strategy.LONGEST_FIRST;
            case "OnlyFirst" -> Truncation.Strategy.ONLY_FIRST;
            case "OnlySecond" -> Truncation.Strategy.ONLY_SECOND;
            default -> throw new IllegalStateException(t.toString());
          };
      tokenizer =
          tokenizer.withTruncation(
              new Truncation(t.get("max_length").asInt(), strategy, side(t.get("direction"))));
    }
    JsonNode p = c.get("padding");
    if (p.isNull()) {
      tokenizer = tokenizer.withoutPadding();
    } else if (p.isObject()) {
      JsonNode strategy = p.get("strategy");
      Padding padding =
          strategy.isTextual()
              ? Padding.batchLongest()
              : Padding.fixed(strategy.get("Fixed").asInt());
      padding = padding.withSide(side(p.get("direction")));
      if (p.hasNonNull("pad_to_multiple_of")) {
        padding = padding.withMultipleOf(p.get("pad_to_multiple_of").asInt());
      }
      tokenizer = tokenizer.withPadding(padding);
    }
    return tokenizer;
  }

  private static Side side(JsonNode direction) {
    return direction.asText().equals("Left") ? Side.LEFT : Side.RIGHT;
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
