package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mezo4j.core.data.SharedData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** llama2.c's tokenizer on the real stories260K vocabulary (tok512.bin) and its reference run. */
class Llama2cTokenizerTest {
  private static Path folder;

  @BeforeAll
  static void findData() {
    try {
      folder = SharedData.root("stories260k").resolve("stories260k");
    } catch (NoSuchFileException e) {
      folder = null;
    }
  }

  private static Path data(String file) {
    assumeTrue(folder != null, "SKIPPED: shared data folder stories260k is missing");
    return folder.resolve(file);
  }

  private static int[] referenceTokens() throws IOException {
    JsonNode ref = new ObjectMapper().readTree(data("greedy_reference.json").toFile());
    int[] ids = new int[ref.get("tokens").size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ref.get("tokens").get(i).intValue();
    }
    return ids;
  }

  /** The reference text is the raw pieces joined; run.c prints it without the first space. */
  private static String referenceText() throws IOException {
    JsonNode ref = new ObjectMapper().readTree(data("greedy_reference.json").toFile());
    String raw = ref.get("text").asText();
    assertTrue(raw.startsWith(" "), "the first piece after BOS starts with a space");
    return raw.substring(1).replace("<0x0A>", "\n");
  }

  @Test
  void decodesTheReferenceGenerationAsRunCPrintsIt() throws IOException {
    Llama2cTokenizer tok = Llama2cTokenizer.load(data("tok512.bin"), 512);
    assertEquals(referenceText(), tok.decode(referenceTokens()));
  }

  @Test
  void encodingTheReferenceTextGivesTheReferenceTokens() throws IOException {
    Llama2cTokenizer tok = Llama2cTokenizer.load(data("tok512.bin"), 512);
    int[] expected = referenceTokens();
    assertArrayEquals(expected, tok.encode(referenceText(), true, false));
    int[] withEos = tok.encode(referenceText(), true, true);
    assertEquals(Llama2cTokenizer.EOS, withEos[withEos.length - 1]);
    assertArrayEquals(expected, Arrays.copyOf(withEos, withEos.length - 1));
  }

  @Test
  void theTokenizerInterfaceAddsBosAndKnowsTheSpecialIds() throws IOException {
    Tokenizer tok = Tokenizers.load(data("tok512.bin"));
    Encoding e = tok.encode("Once upon a time");
    assertEquals(Llama2cTokenizer.BOS, e.ids()[0]);
    assertEquals(1, tok.bosId().orElseThrow());
    assertEquals(2, tok.eosId().orElseThrow());
    assertEquals(0, tok.unkId().orElseThrow());
    assertEquals(512, tok.vocabSize());
    assertEquals("Once upon a time", tok.decode(e.ids()));
    assertArrayEquals(
        Arrays.copyOfRange(e.ids(), 1, e.length()),
        tok.encode("Once upon a time", null, false).ids());
  }

  @Test
  void unknownCharactersFallBackToByteTokensAndDecodeBack() throws IOException {
    Llama2cTokenizer tok = Llama2cTokenizer.load(data("tok512.bin"), 512);
    String text = "Zoë saw 🤗 and 世界";
    int[] ids = tok.encode(text, true, false);
    // Each UTF-8 byte b of a character missing from the vocabulary is token b + 3.
    byte[] emoji = "🤗".getBytes(StandardCharsets.UTF_8);
    int[] emojiIds = new int[emoji.length];
    for (int i = 0; i < emoji.length; i++) {
      emojiIds[i] = (emoji[i] & 0xFF) + 3;
      assertEquals(String.format("<0x%02X>", emoji[i] & 0xFF), tok.idToToken(emojiIds[i]));
    }
    assertTrue(contains(ids, emojiIds), Arrays.toString(ids));
    assertEquals(text, tok.decode(ids));
  }

  @Test
  void emptyTextIsBosAlone() throws IOException {
    Llama2cTokenizer tok = Llama2cTokenizer.load(data("tok512.bin"), 512);
    assertArrayEquals(new int[] {1}, tok.encode("", true, false));
    assertArrayEquals(new int[] {}, tok.encode("", false, false));
  }

  @Test
  void malformedFilesAreRefusedWithTheFileNamed() throws IOException {
    byte[] file = Files.readAllBytes(data("tok512.bin"));
    IllegalArgumentException shortFile =
        assertThrows(
            IllegalArgumentException.class,
            () -> Llama2cTokenizer.parse(Arrays.copyOf(file, file.length - 3), 512, "tok.bin"));
    assertTrue(shortFile.getMessage().startsWith("tok.bin: token 511"), shortFile.getMessage());
    IllegalArgumentException tooFew =
        assertThrows(
            IllegalArgumentException.class, () -> Llama2cTokenizer.parse(file, 500, "tok.bin"));
    assertTrue(tooFew.getMessage().contains("left after the 500 tokens"), tooFew.getMessage());
    byte[] badLength = file.clone();
    ByteBuffer.wrap(badLength).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -5);
    IllegalArgumentException negative =
        assertThrows(
            IllegalArgumentException.class,
            () -> Llama2cTokenizer.parse(badLength, 512, "tok.bin"));
    assertTrue(
        negative.getMessage().contains("token 0 at byte 4: length -5"), negative.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Llama2cTokenizer.load(data("tok512.bin"), 512).decode(new int[] {512}));
  }

  @Test
  void aCorruptMaxTokenLengthIsRefusedAtLoadNotAtEveryEncode() throws IOException {
    byte[] file = Files.readAllBytes(data("tok512.bin"));
    byte[] huge = file.clone();
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x40000000);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Llama2cTokenizer.parse(huge, 512, "tok.bin"));
    assertTrue(e.getMessage().startsWith("tok.bin: max_token_length"), e.getMessage());
    // a header value larger than the longest token (but plausible) still encodes as before
    byte[] loose = file.clone();
    ByteBuffer.wrap(loose).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 4096);
    assertArrayEquals(
        new int[] {1, 403, 407, 261, 378},
        Llama2cTokenizer.parse(loose, 512, "tok.bin").encode("Once upon a time", true, false));
  }

  /**
   * run.c's encode written out plainly (rescan all pairs after every merge), the reference for the
   * heap-based merging of {@link Llama2cTokenizer}.
   */
  private static int[] runCEncode(Llama2cTokenizer tok, String text) {
    List<Integer> tokens = new ArrayList<>();
    tokens.add(Llama2cTokenizer.BOS);
    if (!text.isEmpty()) {
      tokens.add(tok.tokenToId(" "));
    }
    text.codePoints()
        .forEach(
            cp -> {
              String c = new String(Character.toChars(cp));
              int id = tok.tokenToId(c);
              if (id >= 0) {
                tokens.add(id);
              } else {
                for (byte b : c.getBytes(StandardCharsets.UTF_8)) {
                  tokens.add((b & 0xFF) + 3);
                }
              }
            });
    while (true) {
      float best = -1e10f;
      int bestId = -1;
      int bestIndex = -1;
      for (int i = 0; i + 1 < tokens.size(); i++) {
        int id = tok.tokenToId(tok.idToToken(tokens.get(i)) + tok.idToToken(tokens.get(i + 1)));
        if (id >= 0 && tok.score(id) > best) {
          best = tok.score(id);
          bestId = id;
          bestIndex = i;
        }
      }
      if (bestIndex < 0) {
        break;
      }
      tokens.set(bestIndex, bestId);
      tokens.remove(bestIndex + 1);
    }
    return tokens.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void heapMergingEqualsRunCsRescanningOnSst2AndRandomText() throws IOException {
    Llama2cTokenizer tok = Llama2cTokenizer.load(data("tok512.bin"), 512);
    List<String> texts = new ArrayList<>();
    texts.add(referenceText());
    try {
      Path sst2 = SharedData.root("glue-sst2").resolve("glue-sst2/dev.tsv");
      for (String line : Files.readAllLines(sst2).subList(1, 201)) {
        texts.add(line.substring(0, line.lastIndexOf('\t')).strip());
      }
    } catch (NoSuchFileException e) {
      // The random texts below still run; SST-2 only adds real sentences.
    }
    Random random = new Random(20261126);
    String alphabet = "abcdefghijklmnopqrstuvwxyz      ...,,!?'\"\néZ🤗世";
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(60);
      for (int k = 0; k < length; k++) {
        sb.appendCodePoint(
            alphabet.codePointAt(
                alphabet.offsetByCodePoints(
                    0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
      }
      texts.add(sb.toString());
    }
    for (String text : texts) {
      assertArrayEquals(runCEncode(tok, text), tok.encode(text, true, false), text);
    }
  }

  private static boolean contains(int[] haystack, int[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return true;
      }
    }
    return false;
  }
}
