package io.github.mezo4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Greedy longest-match-first WordPiece on a small hand-made vocabulary. */
class WordPieceModelTest {

  private static WordPieceModel model(int maxChars, String... tokens) {
    Map<String, Integer> vocab = new HashMap<>();
    for (String t : tokens) {
      vocab.put(t, vocab.size());
    }
    return new WordPieceModel(vocab, "[UNK]", "##", maxChars);
  }

  private final WordPieceModel model =
      model(100, "[UNK]", "un", "##aff", "##able", "una", "##ff", "a", "##a", "##b", "😀", "##😀");

  @Test
  void takesTheLongestPieceAtEachPosition() {
    assertEquals(List.of("una", "##ff", "##able"), model.tokenize("unaffable"));
    assertEquals(List.of("a", "##a", "##a"), model.tokenize("aaa"));
  }

  @Test
  void greedyChoiceIsNotUndoneWhenItLeadsToFailure() {
    // "una ##ff" is taken, then nothing covers "c": one failure anywhere makes the whole word
    // unknown, with no backtracking to "un ##aff".
    assertEquals(List.of("[UNK]"), model.tokenize("unaffc"));
    assertEquals(List.of("[UNK]"), model.tokenize("xa"));
  }

  @Test
  void supplementaryCharactersAreWholeCharacters() {
    assertEquals(List.of("😀", "##😀"), model.tokenize("😀😀"));
  }

  @Test
  void wordsLongerThanTheLimitAreUnknown() {
    WordPieceModel short3 = model(3, "[UNK]", "a", "##a");
    assertEquals(List.of("a", "##a", "##a"), short3.tokenize("aaa"));
    assertEquals(List.of("[UNK]"), short3.tokenize("aaaa"));
    // The limit counts code points, not UTF-16 units.
    WordPieceModel emoji = model(2, "[UNK]", "😀", "##😀");
    assertEquals(List.of("😀", "##😀"), emoji.tokenize("😀😀"));
  }

  @Test
  void idsAndReverseLookup() {
    assertEquals(0, model.unkId());
    assertEquals(1, model.tokenToId("un"));
    assertEquals(-1, model.tokenToId("nope"));
    assertEquals("##aff", model.idToToken(2));
    assertEquals(null, model.idToToken(999));
  }

  @Test
  void rejectsABrokenVocabulary() {
    IllegalArgumentException noUnk =
        assertThrows(IllegalArgumentException.class, () -> model(100, "a", "b"));
    assertTrue(noUnk.getMessage().contains("[UNK]"), noUnk.getMessage());
    Map<String, Integer> duplicate = Map.of("[UNK]", 0, "a", 1, "b", 1);
    assertThrows(
        IllegalArgumentException.class, () -> new WordPieceModel(duplicate, "[UNK]", "##", 100));
  }
}
