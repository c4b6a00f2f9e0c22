package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.tokenizer.Encoding;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncoderInputTest {

  @Test
  void paddedRightPadsIdsMaskAndTypes() {
    EncoderInput in =
        EncoderInput.padded(new int[][] {{5, 6, 7}, {8}}, new int[][] {{0, 1, 1}, {0}}, 9);
    assertEquals(2, in.batch());
    assertEquals(3, in.seq());
    assertArrayEquals(new int[] {5, 6, 7, 8, 9, 9}, in.inputIds());
    assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0}, in.attentionMask());
    assertArrayEquals(new int[] {0, 1, 1, 0, 0, 0}, in.tokenTypeIds());
    assertEquals(3, in.length(0));
    assertEquals(1, in.length(1));
  }

  @Test
  void fromEncodingsKeepsEveryArray() {
    Encoding a =
        new Encoding(
            new int[] {101, 7, 102},
            new int[] {0, 0, 0},
            new int[] {1, 1, 1},
            List.of("[CLS]", "x", "[SEP]"),
            new int[3],
            new int[3],
            new int[] {-1, 0, -1});
    Encoding b =
        new Encoding(
            new int[] {101, 102, 0},
            new int[] {0, 1, 0},
            new int[] {1, 1, 0},
            List.of("[CLS]", "[SEP]", "[PAD]"),
            new int[3],
            new int[3],
            new int[] {-1, -1, -1});
    EncoderInput in = EncoderInput.of(List.of(a, b));
    assertArrayEquals(new int[] {101, 7, 102, 101, 102, 0}, in.inputIds());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0}, in.attentionMask());
    assertArrayEquals(new int[] {0, 0, 0, 0, 1, 0}, in.tokenTypeIds());
  }

  @Test
  void fromEncodingsRejectsUnpaddedBatchesNamingTheEncoding() {
    Encoding three =
        new Encoding(
            new int[3],
            new int[3],
            new int[] {1, 1, 1},
            List.of("a", "b", "c"),
            new int[3],
            new int[3],
            new int[3]);
    Encoding two =
        new Encoding(
            new int[2],
            new int[2],
            new int[] {1, 1},
            List.of("a", "b"),
            new int[2],
            new int[2],
            new int[2]);
    var e =
        assertThrows(IllegalArgumentException.class, () -> EncoderInput.of(List.of(three, two)));
    assertTrue(e.getMessage().contains("encoding 1 has 2 tokens"), e.getMessage());
  }

  @Test
  void rejectsArraysOfTheWrongLength() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new EncoderInput(2, 2, new int[4], new int[4], new int[3]));
    assertTrue(e.getMessage().contains("tokenTypeIds"), e.getMessage());
  }

  @Test
  void randomIsReproducibleInRangeAndAvoidsThePadId() {
    EncoderInput a = EncoderInput.random(42, 3, 50, 10, 1);
    EncoderInput b = EncoderInput.random(42, 3, 50, 10, 1);
    EncoderInput c = EncoderInput.random(43, 3, 50, 10, 1);
    assertEquals(a, b);
    assertNotEquals(a, c);
    boolean sawTop = false;
    for (int i = 0; i < a.positions(); i++) {
      int id = a.inputIds()[i];
      assertTrue(id >= 0 && id < 10 && id != 1, "id " + id);
      sawTop |= id == 9;
      assertEquals(1, a.attentionMask()[i]);
      assertEquals(0, a.tokenTypeIds()[i]);
    }
    assertTrue(sawTop, "the largest id is reachable");
  }
}
