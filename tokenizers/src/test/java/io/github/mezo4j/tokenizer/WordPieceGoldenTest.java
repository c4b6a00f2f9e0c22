package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every curated golden case: all-MiniLM-L6-v2's tokenizer.json (and variants of it) on accents,
 * punctuation, numbers, many scripts, emoji, control characters, long words, special tokens, pairs,
 * truncation and padding, compared exactly with Hugging Face tokenizers' outputs.
 */
class WordPieceGoldenTest {

  @TestFactory
  Stream<DynamicTest> curatedCasesMatchHuggingFaceTokenizers() throws IOException {
    GoldenCases golden = new GoldenCases("minilm-golden.jsonl");
    assertTrue(golden.cases.size() > 500, "the golden file should hold the full curated set");
    return golden.cases.stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("id").asText(), () -> golden.check(c, texts(c.get("texts")))));
  }

  @Test
  void goldenFileWasMadeFromTheSameTokenizerJson() throws IOException, NoSuchAlgorithmException {
    GoldenCases golden = new GoldenCases("minilm-golden.jsonl");
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(GoldenCases.minilmJson());
    assertEquals(
        golden.header.get("tokenizer_sha256").asText(),
        HexFormat.of().formatHex(digest),
        "the MiniLM tokenizer.json on the class path is not the one the golden file was made from");
  }

  static List<String[]> texts(JsonNode inputs) {
    List<String[]> texts = new ArrayList<>();
    for (JsonNode input : inputs) {
      String[] t = new String[input.size()];
      for (int i = 0; i < t.length; i++) {
        t[i] = input.get(i).asText();
      }
      texts.add(t);
    }
    return texts;
  }
}
