package io.github.mezo4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Known-answer tests of Philox4x32-10 against the published Random123 vectors.
 *
 * <p>Sources (counter words c0..c3, key words k0, k1, expected output, all hex):
 *
 * <ul>
 *   <li>The first three rows are the Philox4x32 10-round vectors of the {@code kat_vectors} file of
 *       the Random123 distribution (D. E. Shaw Research), as reproduced in
 *       github.com/DEShawResearch/Random123-Boost, libs/random/test/test_philox.cpp
 *       ("cut-and-pasted from the kat_vectors file in the original Random123 distribution"): all
 *       zeros, all ones, and the pi-digits vector.
 *   <li>The remaining rows are 10-round Philox4x32 rows of the longer known-answer file generated
 *       by Random123's gentests.py, as stored in github.com/girving/random123-manual,
 *       examples/kat_vectors; they exercise single set bits in every counter and key word.
 * </ul>
 */
class Philox4x32Test {

  @ParameterizedTest(name = "ctr={0} {1} {2} {3} key={4} {5}")
  @CsvSource({
    // Random123 kat_vectors, philox4x32 R=10
    "00000000,00000000,00000000,00000000, 00000000,00000000, 6627e8d5,e169c58d,bc57ac4c,9b00dbd8",
    "ffffffff,ffffffff,ffffffff,ffffffff, ffffffff,ffffffff, 408f276d,41c83b0e,a20bc7c6,6d5451fd",
    "243f6a88,85a308d3,13198a2e,03707344, a4093822,299f31d0, d16cfe09,94fdcceb,5001e420,24126ea1",
    // gentests.py vectors (random123-manual examples/kat_vectors), philox4x32 R=10
    "00000001,00000000,00000000,00000000, 00000001,00000000, ac08141b,dfc5ccbe,79c07a47,a7f66093",
    "00000000,00000001,00000000,00000000, 00000000,00000001, 532f1322,36c890fb,6504b937,07bbfef7",
    "00000000,00000000,00000001,00000000, 00000000,ffffffff, 6c4b0e80,357e5a94,3255445d,6f433f0b",
    "00000000,00000000,00000000,80000000, 00000000,ffffffff, 2a460458,0a2709e5,47bc9115,0f96d8af",
    "243f6a88,85a308d3,13198a2e,03707344, 00000000,80000000, 63675d2c,422d7c4d,3145d30d,3bce33a4",
    "452821e6,38d01377,be5466cf,34e90c6c, 00000001,00000000, f7b7fa0a,8d970e2c,205c9c76,83b16ce5",
  })
  void matchesPublishedKnownAnswers(
      String c0,
      String c1,
      String c2,
      String c3,
      String k0,
      String k1,
      String e0,
      String e1,
      String e2,
      String e3) {
    int[] expected = {hex(e0), hex(e1), hex(e2), hex(e3)};
    int[] actual = Philox4x32.block(hex(c0), hex(c1), hex(c2), hex(c3), hex(k0), hex(k1));
    assertArrayEquals(expected, actual, () -> "got " + toHex(actual));
    int[] out = new int[4];
    Philox4x32.block(hex(c0), hex(c1), hex(c2), hex(c3), hex(k0), hex(k1), out);
    assertArrayEquals(expected, out);
  }

  @Test
  void everyCounterAndKeyWordMatters() {
    int[] base = Philox4x32.block(1, 2, 3, 4, 5, 6);
    int[][] variants = {
      Philox4x32.block(0, 2, 3, 4, 5, 6),
      Philox4x32.block(1, 3, 3, 4, 5, 6),
      Philox4x32.block(1, 2, 2, 4, 5, 6),
      Philox4x32.block(1, 2, 3, 5, 5, 6),
      Philox4x32.block(1, 2, 3, 4, 4, 6),
      Philox4x32.block(1, 2, 3, 4, 5, 7),
    };
    for (int[] v : variants) {
      for (int w = 0; w < 4; w++) {
        assertNotEquals(base[w], v[w]);
      }
    }
    assertEquals(4, base.length);
  }

  private static int hex(String s) {
    return Integer.parseUnsignedInt(s.trim(), 16);
  }

  private static String toHex(int[] words) {
    StringBuilder sb = new StringBuilder();
    for (int w : words) {
      sb.append(String.format("%08x ", w));
    }
    return sb.toString().trim();
  }
}
