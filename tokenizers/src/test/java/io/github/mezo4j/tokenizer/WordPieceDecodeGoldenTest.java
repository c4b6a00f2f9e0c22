package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * all-MiniLM-L6-v2's WordPiece decoder ("##" joining and cleanup) against Hugging Face tokenizers'
 * decode of the ids of every curated text (tools/tokenizer-reference/generate-bpe-golden.mjs).
 */
class WordPieceDecodeGoldenTest {

  @TestFactory
  Stream<DynamicTest> decodingMatchesHuggingFaceTokenizers() throws IOException {
    List<JsonNode> cases = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper();
    try (InputStream in = getClass().getResourceAsStream("/tokenizer/minilm-decode-golden.jsonl")) {
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      r.readLine(); // header
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          cases.add(mapper.readTree(line));
        }
      }
    }
    Tokenizer tokenizer =
        Tokenizers.fromJson(new String(GoldenCases.minilmJson(), StandardCharsets.UTF_8), "minilm");
    return cases.stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("id").asText(),
                    () -> {
                      int[] ids = new int[c.get("ids").size()];
                      for (int i = 0; i < ids.length; i++) {
                        ids[i] = c.get("ids").get(i).asInt();
                      }
                      assertEquals(c.get("decoded").asText(), tokenizer.decode(ids, false));
                      assertEquals(
                          c.get("decoded_skip_special").asText(), tokenizer.decode(ids, true));
                    }));
  }
}
