package io.github.mezo4j.tokenizer;

import java.text.Normalizer;
import java.util.Arrays;

/**
 * The per-code-point rules of Hugging Face tokenizers' BERT normalizer and pre-tokenizer.
 *
 * <p>Category questions are answered from {@link BertCharTables} (the reference's frozen Unicode
 * 8.0 tables), so results do not depend on the JDK's Unicode version. Lowercasing and NFD use the
 * JDK, patched where it differs from the reference; {@code BertCharactersTest} checks every code
 * point against what the reference was observed to do.
 */
final class BertCharacters {
  private BertCharacters() {}

  private static final long[] REMOVED_BMP = bmpBits(BertCharTables.REMOVED_BY_CLEAN_TEXT);
  private static final long[] PUNCTUATION_BMP = bmpBits(BertCharTables.PUNCTUATION);
  private static final long[] MARK_BMP = bmpBits(BertCharTables.NONSPACING_MARK);

  // Letters that tokenizers lowercases (its Rust standard library follows Unicode 17) but JDK 25
  // (Unicode 16) leaves alone: [first, last, delta].
  private static final int[] LOWERCASE_PATCH = {
    0xA7CE, 0xA7CE, 1, 0xA7D2, 0xA7D2, 1, 0xA7D4, 0xA7D4, 1, 0x16EA0, 0x16EB8, 0x1B,
  };

  // Characters that JDK 25 decomposes but tokenizers' NFD tables (older than Unicode 16) keep.
  private static final int[] NFD_KEEP = {
    0x105C9, 0x105E4, 0x11383, 0x11385, 0x1138E, 0x11391, 0x113C5, 0x113C7, 0x113C8, 0x11938,
    0x16121, 0x16122, 0x16123, 0x16124, 0x16125, 0x16126, 0x16127, 0x16128, 0x16D68, 0x16D69,
    0x16D6A,
  };

  private static final int[] NO_DECOMPOSITION = new int[0];

  /** Rust's {@code char::is_whitespace}: the Unicode White_Space property. */
  static boolean isWhitespace(int cp) {
    return (cp >= 0x09 && cp <= 0x0D)
        || cp == 0x20
        || cp == 0x85
        || cp == 0xA0
        || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A)
        || cp == 0x2028
        || cp == 0x2029
        || cp == 0x202F
        || cp == 0x205F
        || cp == 0x3000;
  }

  /** Removed by clean_text: U+0000, U+FFFD and (Unicode 8) Cc, Cf, Co other than \t \n \r. */
  static boolean isRemovedByCleanText(int cp) {
    return contains(cp, REMOVED_BMP, BertCharTables.REMOVED_BY_CLEAN_TEXT);
  }

  /** The pre-tokenizer's punctuation: ASCII punctuation or a (Unicode 8) P* category. */
  static boolean isPunctuation(int cp) {
    return contains(cp, PUNCTUATION_BMP, BertCharTables.PUNCTUATION);
  }

  /** A (Unicode 8) nonspacing mark, dropped by strip_accents. */
  static boolean isNonspacingMark(int cp) {
    return contains(cp, MARK_BMP, BertCharTables.NONSPACING_MARK);
  }

  /**
   * The "Chinese character" ranges of tokenizers' BertNormalizer. They differ from Google's BERT in
   * one place: tokenizers starts the fifth range at U+2B920, so U+2B820..U+2B91F are not included.
   */
  static boolean isChineseChar(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B920 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }

  /**
   * The full lowercase mapping of one code point, as Rust's {@code char::to_lowercase}: context
   * free (capital sigma always becomes σ, never final ς), and U+0130 becomes "i̇" (two code
   * points). Returns the single mapped code point, or -1 for U+0130.
   */
  static int lowercase(int cp) {
    if (cp < 0x80) {
      return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    }
    if (cp == 0x130) {
      return -1;
    }
    for (int i = 0; i < LOWERCASE_PATCH.length; i += 3) {
      if (cp >= LOWERCASE_PATCH[i] && cp <= LOWERCASE_PATCH[i + 1]) {
        return cp + LOWERCASE_PATCH[i + 2];
      }
    }
    return Character.toLowerCase(cp);
  }

  /**
   * The canonical decomposition (NFD) of one code point, or an empty array when the code point is
   * its own decomposition. Canonical reordering between neighbouring code points is not applied:
   * strip_accents removes the nonspacing marks it would reorder.
   */
  static int[] decompose(int cp) {
    if (cp < 0xC0) {
      return NO_DECOMPOSITION;
    }
    if (cp <= 0xFFFF) {
      int[] d = BmpDecompositions.TABLE[cp];
      return d == null ? NO_DECOMPOSITION : d;
    }
    return computeDecomposition(cp);
  }

  private static int[] computeDecomposition(int cp) {
    if (Arrays.binarySearch(NFD_KEEP, cp) >= 0
        || (cp >= 0xD800 && cp <= 0xDFFF)
        || !Character.isDefined(cp)) {
      return NO_DECOMPOSITION;
    }
    String single = Character.toString(cp);
    String nfd = Normalizer.normalize(single, Normalizer.Form.NFD);
    return nfd.equals(single) ? NO_DECOMPOSITION : nfd.codePoints().toArray();
  }

  /** Decompositions of the BMP, built on first use (about 2,000 entries besides Hangul). */
  private static final class BmpDecompositions {
    static final int[][] TABLE = build();

    private static int[][] build() {
      int[][] table = new int[0x10000][];
      for (int cp = 0xC0; cp <= 0xFFFF; cp++) {
        int[] d = computeDecomposition(cp);
        table[cp] = d.length == 0 ? null : d;
      }
      return table;
    }
  }

  private static boolean contains(int cp, long[] bmp, int[] ranges) {
    if (cp < 0x10000) {
      return (bmp[cp >>> 6] & (1L << cp)) != 0;
    }
    // Supplementary planes: binary search for the last range starting at or before cp.
    int lo = 0;
    int hi = ranges.length / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (ranges[2 * mid] <= cp) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return hi >= 0 && cp <= ranges[2 * hi + 1];
  }

  private static long[] bmpBits(int[] ranges) {
    long[] bits = new long[0x10000 / 64];
    for (int i = 0; i < ranges.length; i += 2) {
      for (int cp = ranges[i]; cp <= Math.min(ranges[i + 1], 0xFFFF); cp++) {
        bits[cp >>> 6] |= 1L << cp;
      }
    }
    return bits;
  }
}
