package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenizers.load: which tokenizer a file or folder gives, and what it refuses, and why. */
class TokenizersTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  static String spbpeJson() throws IOException {
    try (InputStream in =
        TokenizersTest.class.getResourceAsStream("/tokenizer/spbpe-tokenizer.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A tiny GPT-2-style vocabulary: "hi" merges, "<s>" and "</s>" are in the vocabulary. */
  private static void writeTinyVocab(Path dir) throws IOException {
    Files.writeString(
        dir.resolve("vocab.json"),
        "{\"<s>\": 0, \"</s>\": 1, \"h\": 2, \"i\": 3, \"hi\": 4, \"Ġ\": 5, \"Ġhi\": 6}");
    Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nh i\nĠ hi\n");
  }

  @Test
  void vocabAndMergesWithATokenizerConfigAddBosAsOptDoes(@TempDir Path dir) throws IOException {
    writeTinyVocab(dir);
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"add_bos_token\": true, \"bos_token\": {\"content\": \"</s>\"}, \"eos_token\": \"</s>\","
            + " \"pad_token\": \"<s>\"}");
    Tokenizer tok = Tokenizers.load(dir);
    assertInstanceOf(BpeTokenizer.class, tok);
    assertArrayEquals(new int[] {1, 4, 6}, tok.encode("hi hi").ids());
    assertArrayEquals(new int[] {1, 4, 1, 6}, tok.encode("hi", " hi").ids());
    assertArrayEquals(new int[] {4, 6}, tok.encode("hi hi", null, false).ids());
    // The named tokens became special: matched in text, left out when asked.
    assertArrayEquals(new int[] {1, 4, 1, 4}, tok.encode("hi</s>hi").ids());
    assertEquals("hi hi", tok.decode(new int[] {1, 4, 6}, true));
    assertEquals("</s>hi hi", tok.decode(new int[] {1, 4, 6}, false));
    assertEquals(1, tok.bosId().orElseThrow());
    assertEquals(1, tok.eosId().orElseThrow());
    assertEquals(0, tok.padId().orElseThrow());
  }

  @Test
  void withoutAConfigTheTinyVocabularyAddsNothing(@TempDir Path dir) throws IOException {
    writeTinyVocab(dir);
    Tokenizer tok = Tokenizers.load(dir);
    assertArrayEquals(new int[] {4, 6}, tok.encode("hi hi").ids());
    assertEquals(0, tok.bosId().orElseThrow(), "<s> is recognised by name");
  }

  @Test
  void aConfigNamingAMissingTokenIsRefused(@TempDir Path dir) throws IOException {
    writeTinyVocab(dir);
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<bos>\"}");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(dir));
    assertTrue(e.getMessage().contains("bos_token") && e.getMessage().contains("<bos>"));
  }

  @Test
  void aTokenizerJsonFolderTakesSpecialIdsFromItsConfig(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer.json"), spbpeJson());
    Tokenizer guessed = Tokenizers.load(dir);
    assertEquals(1, guessed.bosId().orElseThrow());
    assertEquals(2, guessed.eosId().orElseThrow());
    assertEquals(0, guessed.unkId().orElseThrow());
    assertTrue(guessed.padId().isEmpty());
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"</s>\"}");
    assertEquals(2, Tokenizers.load(dir).padId().orElseThrow());
    // tokenizer.json wins over a tokenizer.bin beside it.
    Files.writeString(dir.resolve("tokenizer.bin"), "not read");
    assertInstanceOf(BpeTokenizer.class, Tokenizers.load(dir));
  }

  @Test
  void wordPieceFilesStillGiveTheWordPieceTokenizer() throws IOException {
    Tokenizer tok =
        Tokenizers.fromJson(new String(GoldenCases.minilmJson(), StandardCharsets.UTF_8), "minilm");
    assertInstanceOf(WordPieceTokenizer.class, tok);
    Encoding e = tok.withoutPadding().encode("Hello world!");
    assertArrayEquals(new int[] {101, 7592, 2088, 999, 102}, e.ids());
    assertEquals("[CLS] hello world! [SEP]", tok.decode(e.ids()));
    assertEquals("hello world!", tok.decode(e.ids(), true));
    assertEquals(30522, tok.vocabSize());
    assertEquals(100, tok.unkId().orElseThrow());
    assertEquals(0, tok.padId().orElseThrow());
  }

  @Test
  void emptyOrMissingPlacesAreClearErrors(@TempDir Path dir) {
    IllegalArgumentException empty =
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(dir));
    assertTrue(empty.getMessage().contains("tokenizer.json"), empty.getMessage());
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class, () -> Tokenizers.load(dir.resolve("nothing.json")));
    assertTrue(missing.getMessage().contains("nothing.json"), missing.getMessage());
  }

  /** The spbpe file with one field replaced; the error must name the field and the value. */
  private static void assertRefused(String field, String json, String... expected)
      throws IOException {
    ObjectNode root = (ObjectNode) MAPPER.readTree(spbpeJson());
    String[] path = field.split("\\.");
    ObjectNode parent = root;
    for (int i = 0; i < path.length - 1; i++) {
      parent = (ObjectNode) parent.get(path[i]);
    }
    parent.set(path[path.length - 1], MAPPER.readTree(json));
    String text = MAPPER.writeValueAsString(root);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromJson(text, "t.json"));
    assertTrue(e.getMessage().startsWith("t.json:"), e.getMessage());
    for (String s : expected) {
      assertTrue(e.getMessage().contains(s), "'" + s + "' missing in: " + e.getMessage());
    }
  }

  @Test
  void unsupportedComponentsAreRefusedByName() throws IOException {
    assertRefused("model.type", "\"Unigram\"", "model.type", "Unigram");
    assertRefused("model.dropout", "0.1", "model.dropout", "0.1");
    assertRefused(
        "pre_tokenizer", "{\"type\": \"UnicodeScripts\"}", "pre_tokenizer.type", "UnicodeScripts");
    assertRefused("normalizer", "{\"type\": \"Precompiled\"}", "normalizer.type", "Precompiled");
    assertRefused("decoder", "{\"type\": \"CTC\"}", "decoder.type", "CTC");
    assertRefused(
        "post_processor",
        "{\"type\": \"RobertaProcessing\", \"sep\": [\"</s>\"]}",
        "post_processor.sep",
        "[token, id]");
    assertRefused("post_processor", "{\"type\": \"Roberta\"}", "post_processor.type", "Roberta");
    assertRefused(
        "pre_tokenizer",
        "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": \"Isolated\"}",
        "pre_tokenizer.pattern.Regex");
    assertRefused(
        "pre_tokenizer",
        "{\"type\": \"Split\", \"pattern\": {\"String\": \"x\"}, \"behavior\": \"Sideways\"}",
        "pre_tokenizer.behavior",
        "Sideways");
    assertRefused(
        "model.merges", "[[\"a\", \"nope\"]]", "model", "'nope' is not in the vocabulary");
    assertRefused("model.merges", "[\"a b c\"]", "model.merges[0]", "a b c");
    assertRefused("model.vocab", "{\"a\": -1}", "model.vocab[\"a\"]", "-1");
  }

  @Test
  void decodingAnUnknownIdIsAnError() throws IOException {
    Tokenizer tok = Tokenizers.fromJson(spbpeJson(), "spbpe");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {1, 99999}));
    assertTrue(e.getMessage().contains("99999"), e.getMessage());
    assertEquals(List.of(), tok.encode("", null, false).tokens());
  }
}
