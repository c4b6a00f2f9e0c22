package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer's API: loading, errors, truncation, padding and offsets, on small inputs. */
class WordPieceTokenizerTest {

  /** A complete tokenizer.json with a tiny vocabulary; {@code %s} parts can be replaced. */
  private static String json(String normalizer, String model, String postProcessor) {
    return """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [
           {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false,
            "normalized": false, "special": true},
           {"id": 3, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false,
            "normalized": false, "special": true}],
         "normalizer": %s,
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": %s,
         "model": %s}
        """
        .formatted(normalizer, postProcessor, model);
  }

  private static final String NORMALIZER =
      "{\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\": true,"
          + " \"strip_accents\": null, \"lowercase\": true}";
  private static final String MODEL =
      "{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\","
          + " \"max_input_chars_per_word\": 100, \"vocab\": {\"[PAD]\": 0, \"[UNK]\": 1,"
          + " \"[CLS]\": 2, \"[MASK]\": 3, \"[SEP]\": 4, \"a\": 5, \"b\": 6, \"c\": 7, \"##b\": 8,"
          + " \"cafe\": 9, \"!\": 10}}";
  private static final String BERT_PROCESSING =
      "{\"type\": \"BertProcessing\", \"sep\": [\"[SEP]\", 4], \"cls\": [\"[CLS]\", 2]}";

  private static WordPieceTokenizer tiny() {
    return WordPieceTokenizer.fromJson(json(NORMALIZER, MODEL, BERT_PROCESSING), "tiny.json");
  }

  @Test
  void encodesOneTextAndAPair() {
    Encoding one = tiny().encode("A ab Café!");
    assertEquals(List.of("[CLS]", "a", "a", "##b", "cafe", "!", "[SEP]"), one.tokens());
    assertArrayEquals(new int[] {2, 5, 5, 8, 9, 10, 4}, one.ids());
    assertArrayEquals(new int[7], one.typeIds());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1}, one.attentionMask());

    Encoding pair = tiny().encode("a", "b c");
    assertArrayEquals(new int[] {2, 5, 4, 6, 7, 4}, pair.ids());
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, pair.typeIds());
    assertArrayEquals(new int[] {-1, 0, -1, 1, 1, -1}, pair.sequenceIds());

    Encoding bare = tiny().encode("a", "b", false);
    assertArrayEquals(new int[] {5, 6}, bare.ids());
    assertArrayEquals(new int[] {0, 1}, bare.typeIds());
  }

  @Test
  void specialTokensWrittenInTheTextAreRecognised() {
    Encoding e = tiny().encode("a [MASK]b");
    assertEquals(List.of("[CLS]", "a", "[MASK]", "b", "[SEP]"), e.tokens());
  }

  @Test
  void offsetsAreUtf16IndicesIntoTheOriginalText() {
    String text = "😀 Café!";
    Encoding e = tiny().encode(text);
    // [CLS] [UNK] cafe ! [SEP]
    assertArrayEquals(new int[] {0, 0, 3, 7, 0}, e.offsetStarts());
    assertArrayEquals(new int[] {0, 2, 7, 8, 0}, e.offsetEnds());
    assertEquals("Café", text.substring(e.offsetStarts()[2], e.offsetEnds()[2]));
  }

  @Test
  void longestFirstTruncationKeepsTheSpecialTokens() {
    WordPieceTokenizer t = tiny().withTruncation(Truncation.longestFirst(4));
    assertArrayEquals(new int[] {2, 5, 5, 4}, t.encode("a a a a a").ids());
    // Pair budget 5 - 3 = 2: one token each.
    Encoding pair = t.withTruncation(Truncation.longestFirst(5)).encode("a a a", "b b b");
    assertArrayEquals(new int[] {2, 5, 4, 6, 4}, pair.ids());
    // Left side keeps the end.
    Encoding left =
        t.withTruncation(new Truncation(4, Truncation.Strategy.LONGEST_FIRST, Side.LEFT))
            .encode("a b c");
    assertArrayEquals(new int[] {2, 6, 7, 4}, left.ids());
  }

  @Test
  void truncationThatCannotBeMetFailsClearly() {
    WordPieceTokenizer t = tiny().withTruncation(Truncation.longestFirst(2));
    IllegalArgumentException pair =
        assertThrows(IllegalArgumentException.class, () -> t.encode("a", "b"));
    assertTrue(pair.getMessage().contains("maxLength 2"), pair.getMessage());
    WordPieceTokenizer onlyFirst =
        tiny().withTruncation(new Truncation(5, Truncation.Strategy.ONLY_FIRST, Side.RIGHT));
    assertThrows(IllegalArgumentException.class, () -> onlyFirst.encode("a", "b b b b"));
    WordPieceTokenizer onlySecond =
        tiny().withTruncation(new Truncation(3, Truncation.Strategy.ONLY_SECOND, Side.RIGHT));
    assertThrows(IllegalArgumentException.class, () -> onlySecond.encode("a b c"));
  }

  @Test
  void paddingToTheBatchLongestOrAFixedLength() {
    List<Encoding> batch =
        tiny().withPadding(Padding.batchLongest()).encodeBatch(List.of("a", "a b c"));
    assertArrayEquals(new int[] {2, 5, 4, 0, 0}, batch.get(0).ids());
    assertArrayEquals(new int[] {1, 1, 1, 0, 0}, batch.get(0).attentionMask());
    assertEquals(List.of("[CLS]", "a", "[SEP]", "[PAD]", "[PAD]"), batch.get(0).tokens());
    assertEquals(5, batch.get(1).length());

    Encoding left = tiny().withPadding(Padding.fixed(5).withSide(Side.LEFT)).encode("a");
    assertArrayEquals(new int[] {0, 0, 2, 5, 4}, left.ids());
    assertArrayEquals(new int[] {0, 0, 1, 1, 1}, left.attentionMask());

    Encoding rounded = tiny().withPadding(Padding.batchLongest().withMultipleOf(4)).encode("a");
    assertEquals(4, rounded.length());
    // Padding never shortens.
    assertEquals(5, tiny().withPadding(Padding.fixed(2)).encode("a b c").length());
  }

  @Test
  void pairBatchesNeedMatchingSizes() {
    assertThrows(
        IllegalArgumentException.class,
        () -> tiny().encodePairBatch(List.of("a", "b"), List.of("c")));
    List<Encoding> pairs = tiny().encodePairBatch(List.of("a", "b"), List.of("c", "a"));
    assertArrayEquals(new int[] {2, 6, 4, 5, 4}, pairs.get(1).ids());
  }

  @Test
  void minilmLoadsWithTheFilesOwnTruncationAndPadding() throws IOException {
    WordPieceTokenizer minilm = WordPieceTokenizer.loadResource(GoldenCases.MINILM_RESOURCE);
    assertEquals(Truncation.longestFirst(128), minilm.truncation().orElseThrow());
    assertEquals(128, minilm.padding().orElseThrow().fixedLength());
    assertEquals(30522, minilm.model().vocab().size());
    assertEquals(128, minilm.encode("Hello world").length());
    Encoding plain = minilm.withoutPadding().encode("Hello world!");
    assertArrayEquals(new int[] {101, 7592, 2088, 999, 102}, plain.ids());
    assertEquals(103, minilm.tokenToId("[MASK]"));
    assertEquals("[SEP]", minilm.idToToken(102));
  }

  @Test
  void loadsFromAFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, json(NORMALIZER, MODEL, BERT_PROCESSING), StandardCharsets.UTF_8);
    assertArrayEquals(new int[] {2, 5, 4}, WordPieceTokenizer.load(file).encode("a").ids());
  }

  // ---- loading errors name the source and the field ----

  private static void assertLoadError(String json, String... expectedParts) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> WordPieceTokenizer.fromJson(json, "bad.json"));
    assertTrue(e.getMessage().startsWith("bad.json:"), e.getMessage());
    for (String part : expectedParts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' missing in: " + e.getMessage());
    }
  }

  @Test
  void malformedJsonIsReportedWithItsPosition() {
    assertLoadError("{\"model\": {", "not valid JSON", "line 1");
    assertLoadError("[1, 2]", "JSON object");
  }

  @Test
  void aModelThatIsNotWordPieceIsRejected() {
    assertLoadError(
        json(NORMALIZER, "{\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}", BERT_PROCESSING),
        "model.type",
        "BPE");
    assertLoadError(
        json(NORMALIZER, "null", BERT_PROCESSING).replace("\"model\": null", "\"x\": 1"), "model");
  }

  @Test
  void aMissingOrBrokenVocabularyIsRejected() {
    assertLoadError(
        json(NORMALIZER, "{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\"}", BERT_PROCESSING),
        "model.vocab");
    assertLoadError(
        json(NORMALIZER, MODEL.replace("\"a\": 5", "\"a\": \"five\""), BERT_PROCESSING),
        "model.vocab[\"a\"]");
    assertLoadError(
        json(NORMALIZER, MODEL.replace("\"[UNK]\": 1,", ""), BERT_PROCESSING), "model.unk_token");
  }

  @Test
  void unsupportedComponentsAreNamed() {
    assertLoadError(
        json("{\"type\": \"NFKC\"}", MODEL, BERT_PROCESSING), "normalizer.type", "NFKC");
    assertLoadError(
        json(NORMALIZER, MODEL, BERT_PROCESSING)
            .replace("{\"type\": \"BertPreTokenizer\"}", "{\"type\": \"ByteLevel\"}"),
        "pre_tokenizer.type",
        "ByteLevel");
    assertLoadError(
        json(NORMALIZER, MODEL, "{\"type\": \"RobertaProcessing\"}"),
        "post_processor.type",
        "RobertaProcessing");
    assertLoadError(
        json(NORMALIZER, MODEL, "{\"type\": \"BertProcessing\", \"sep\": [\"[SEP]\"]}"),
        "post_processor.sep");
  }

  @Test
  void addedTokenIdsMustBeTheOnesTokenizersAssigns() {
    String wrongId = json(NORMALIZER, MODEL, BERT_PROCESSING).replace("\"id\": 3", "\"id\": 30");
    assertLoadError(wrongId, "added_tokens[1].id", "[MASK]");
  }

  @Test
  void badTruncationAndPaddingFieldsAreNamed() {
    String base = json(NORMALIZER, MODEL, BERT_PROCESSING);
    assertLoadError(
        base.replace(
            "\"truncation\": null",
            "\"truncation\": {\"max_length\": 8, \"strategy\": \"Sideways\"}"),
        "truncation.strategy");
    assertLoadError(
        base.replace("\"padding\": null", "\"padding\": {\"strategy\": {\"Fixed\": -1}}"),
        "padding.strategy");
  }
}
