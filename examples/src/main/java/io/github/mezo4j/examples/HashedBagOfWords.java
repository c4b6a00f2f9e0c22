package io.github.mezo4j.examples;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Sparse features of a sentence: its unigrams and bigrams hashed (FNV-1a) into {@code buckets}
 * slots, each present slot with value {@code 1/sqrt(count)} so every sentence has unit norm.
 */
final class HashedBagOfWords {
  private final int buckets;

  HashedBagOfWords(int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be >= 1, got " + buckets);
    }
    this.buckets = buckets;
  }

  /** A sentence as sorted, distinct feature indices; all values are {@link #value(int[])}. */
  int[] features(String sentence) {
    String[] tokens = sentence.split(" +");
    int[] idx = new int[2 * tokens.length];
    int n = 0;
    for (int i = 0; i < tokens.length; i++) {
      idx[n++] = bucket(tokens[i]);
      if (i + 1 < tokens.length) {
        idx[n++] = bucket(tokens[i] + ' ' + tokens[i + 1]);
      }
    }
    return Arrays.stream(idx, 0, n).sorted().distinct().toArray();
  }

  static float value(int[] features) {
    return features.length == 0 ? 0f : (float) (1 / Math.sqrt(features.length));
  }

  private int bucket(String token) {
    long h = 0xcbf29ce484222325L;
    for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xFF;
      h *= 0x100000001b3L;
    }
    return (int) Long.remainderUnsigned(h, buckets);
  }
}
