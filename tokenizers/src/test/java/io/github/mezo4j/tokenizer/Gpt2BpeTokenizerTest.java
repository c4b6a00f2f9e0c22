package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.LabeledSentences;
import io.github.mezo4j.core.data.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Byte-level BPE on GPT-2's real vocabulary (shared data gpt2-bpe). */
class Gpt2BpeTokenizerTest {

  static Path gpt2Folder() {
    try {
      return SharedData.root("gpt2-bpe").resolve("gpt2-bpe");
    } catch (NoSuchFileException e) {
      assumeTrue(false, "SKIPPED: shared data folder gpt2-bpe is missing: " + e.getReason());
      return null;
    }
  }

  @Test
  void helloWorldIsThePublishedIds() throws IOException {
    Tokenizer tok = Tokenizers.load(gpt2Folder().resolve("tokenizer.json"));
    assertInstanceOf(BpeTokenizer.class, tok);
    Encoding e = tok.encode("Hello world");
    assertArrayEquals(new int[] {15496, 995}, e.ids());
    assertEquals(List.of("Hello", "Ġworld"), e.tokens());
    assertArrayEquals(new int[] {0, 5}, e.offsetStarts());
    assertArrayEquals(new int[] {5, 11}, e.offsetEnds());
    assertEquals(50257, tok.vocabSize());
    assertEquals(50256, tok.eosId().orElseThrow());
    assertEquals(50256, tok.bosId().orElseThrow());
  }

  @Test
  void originalFilesAndTokenizerJsonAgreeAndRoundTripOnSst2() throws IOException {
    Path folder = gpt2Folder();
    Tokenizer json = Tokenizers.load(folder.resolve("tokenizer.json"));
    BpeTokenizer original =
        BpeTokenizer.loadGpt2(folder.resolve("encoder.json"), folder.resolve("vocab.bpe"));
    Path sst2;
    try {
      sst2 = SharedData.root("glue-sst2").resolve("glue-sst2/dev.tsv");
    } catch (NoSuchFileException e) {
      assumeTrue(false, "SKIPPED: shared data folder glue-sst2 is missing");
      return;
    }
    List<LabeledSentences.Example> rows = LabeledSentences.read(sst2);
    assertTrue(rows.size() > 800);
    for (LabeledSentences.Example row : rows) {
      String text = row.sentence();
      Encoding a = json.encode(text);
      assertEquals(a, original.encode(text), text);
      // Byte-level BPE loses nothing.
      assertEquals(text, json.decode(a.ids()), text);
    }
  }

  @Test
  void aModelFolderWithOnlyTheOriginalFilesLoads(@TempDir Path dir) throws IOException {
    Path folder = gpt2Folder();
    Files.copy(folder.resolve("encoder.json"), dir.resolve("encoder.json"));
    Files.copy(folder.resolve("vocab.bpe"), dir.resolve("vocab.bpe"));
    Tokenizer tok = Tokenizers.load(dir);
    assertArrayEquals(new int[] {15496, 995, 50256}, tok.encode("Hello world<|endoftext|>").ids());
  }

  @Test
  void badMergeLinesNameTheFileAndLine(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("encoder.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
    Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\na b\nab\n");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BpeTokenizer.loadGpt2(dir.resolve("encoder.json"), dir.resolve("vocab.bpe")));
    assertTrue(e.getMessage().contains("vocab.bpe: line 3"), e.getMessage());
    Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\na c\n");
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> BpeTokenizer.loadGpt2(dir.resolve("encoder.json"), dir.resolve("vocab.bpe")));
    assertTrue(missing.getMessage().contains("'c' is not in the vocabulary"), missing.getMessage());
  }
}
