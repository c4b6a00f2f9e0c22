package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.core.data.SharedData;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mezo4j tokenize} with the BPE and llama2.c tokenizers (the WordPiece runs: MainTest). */
class TokenizeCommandTest {

  private static Path data(String folder) {
    try {
      return SharedData.root(folder).resolve(folder);
    } catch (NoSuchFileException e) {
      assumeTrue(false, "SKIPPED: shared data folder " + folder + " is missing");
      return null;
    }
  }

  @Test
  void gpt2TokenizerJsonPrintsIdsTokensAndOffsets() throws Exception {
    Path json = data("gpt2-bpe").resolve("tokenizer.json");
    CommandRun.Run r =
        MainTest.run("Hello world\n", "tokenize", "--tokenizer", json.toString(), "--tokens");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode e = r.jsonLines().get(0);
    assertEquals("[15496,995]", e.get("ids").toString());
    assertEquals("[\"Hello\",\"Ġworld\"]", e.get("tokens").toString());
    assertEquals("[[0,5],[5,11]]", e.get("offsets").toString());
  }

  @Test
  void aFolderWithGpt2sOriginalFilesWorksAndDecodesBack(@TempDir Path dir) throws Exception {
    Path gpt2 = data("gpt2-bpe");
    Files.copy(gpt2.resolve("encoder.json"), dir.resolve("encoder.json"));
    Files.copy(gpt2.resolve("vocab.bpe"), dir.resolve("vocab.bpe"));
    CommandRun.Run r =
        MainTest.run(
            "15496, 995\n[50256]\n", "tokenize", "--tokenizer", dir.toString(), "--decode");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(List.of("\"Hello world\"", "\"<|endoftext|>\""), r.out().lines().toList());
    CommandRun.Run skip =
        MainTest.run(
            "[50256, 15496]\n",
            "tokenize",
            "--tokenizer",
            dir.toString(),
            "--decode",
            "--skip-special");
    assertEquals("\"Hello\"", skip.out().strip());
  }

  @Test
  void llama2cTokenizerBinAddsBosAndPadsWithItsOwnIds() throws Exception {
    Path bin = data("stories260k").resolve("tok512.bin");
    CommandRun.Run r =
        MainTest.run("Once upon a time\n", "tokenize", "--tokenizer", bin.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("[1,403,407,261,378]", r.jsonLines().get(0).get("ids").toString());
    CommandRun.Run plain =
        MainTest.run(
            "Once upon a time\n", "tokenize", "--tokenizer", bin.toString(), "--no-special");
    assertEquals("[403,407,261,378]", plain.jsonLines().get(0).get("ids").toString());
    CommandRun.Run padded =
        MainTest.run(
            "Once\n", "tokenize", "--tokenizer", bin.toString(), "--max-length", "4", "--pad");
    JsonNode p = padded.jsonLines().get(0);
    assertEquals(4, p.get("ids").size());
    assertEquals("[1,1,0,0]", p.get("attention_mask").toString());
    // No pad token in this vocabulary: padding uses EOS.
    assertEquals(2, p.get("ids").get(3).intValue());
  }

  @Test
  void unsupportedFilesAndBadIdsAreClearErrors(@TempDir Path dir) throws Exception {
    Path unigram = dir.resolve("tokenizer.json");
    Files.writeString(unigram, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
    CommandRun.Run r = MainTest.run("x\n", "tokenize", "--tokenizer", unigram.toString());
    assertNotEquals(0, r.exitCode());
    assertTrue(r.err().contains("model.type") && r.err().contains("Unigram"), r.err());
    CommandRun.Run missing =
        MainTest.run("x\n", "tokenize", "--tokenizer", dir.resolve("none").toString());
    assertNotEquals(0, missing.exitCode());
    assertTrue(missing.err().contains("none"), missing.err());
    CommandRun.Run badIds = MainTest.run("1 two\n", "tokenize", "--decode");
    assertNotEquals(0, badIds.exitCode());
    assertTrue(badIds.err().contains("stdin line 1"), badIds.err());
  }

  @Test
  void anIdOutsideTheVocabularyNamesItsLine() throws Exception {
    Path bin = data("stories260k").resolve("tok512.bin");
    CommandRun.Run outside =
        MainTest.run("1 403\n5000\n", "tokenize", "--tokenizer", bin.toString(), "--decode");
    assertNotEquals(0, outside.exitCode());
    assertTrue(outside.err().contains("stdin line 2"), outside.err());
  }

  @Test
  void aByteOrderMarkAtTheStartOfStdinIsNotText() throws Exception {
    // files saved by Windows editors start with EF BB BF; it is an encoding mark, not a character
    Path bin = data("stories260k").resolve("tok512.bin");
    CommandRun.Run r =
        MainTest.run("\uFEFFOnce upon a time\n", "tokenize", "--tokenizer", bin.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("[1,403,407,261,378]", r.jsonLines().get(0).get("ids").toString());
    CommandRun.Run ids =
        MainTest.run("\uFEFF1 403\n", "tokenize", "--tokenizer", bin.toString(), "--decode");
    assertEquals(0, ids.exitCode(), ids.err());
    // only the first line's mark is dropped: one later in the input is kept as text
    CommandRun.Run later =
        MainTest.run("a\n\uFEFFb\n", "tokenize", "--tokenizer", bin.toString(), "--no-special");
    assertNotEquals(
        later.jsonLines().get(0).get("ids").size(), later.jsonLines().get(1).get("ids").size());
  }
}
