package io.github.mezo4j.nn.model;

import java.util.Arrays;

/**
 * The keys and values a {@link DecoderModel} has computed so far for a batch of sequences, so that
 * each new token costs one position's work instead of the whole prefix (incremental decoding). Made
 * by {@link DecoderModel#newCache}; each {@code forward} call appends its positions.
 *
 * <p>Memory: {@code 2 * layers * batch * capacity * kvHeads * headDim} floats. Not thread-safe: one
 * generation at a time per cache.
 */
public final class KvCache {
  final int batch;
  final int capacity;
  final int kvDim;
  final float[][] keys; // per layer [batch, capacity, kvDim]
  final float[][] values; // per layer [batch, capacity, kvDim]
  final boolean[] valid; // [batch, capacity]: false for padding slots
  final int[] tokens; // per row: real tokens seen so far, the next token's position
  int length; // filled slots

  KvCache(int layers, int batch, int capacity, int kvDim) {
    if (batch < 1 || capacity < 1) {
      throw new IllegalArgumentException(
          "a cache needs batch >= 1 and capacity >= 1, got " + batch + ", " + capacity);
    }
    long floats = (long) batch * capacity * kvDim;
    if (floats > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "a cache of batch %d x capacity %d x %d floats per slot is too large for one array"
              .formatted(batch, capacity, kvDim));
    }
    this.batch = batch;
    this.capacity = capacity;
    this.kvDim = kvDim;
    this.keys = new float[layers][(int) floats];
    this.values = new float[layers][(int) floats];
    this.valid = new boolean[batch * capacity];
    this.tokens = new int[batch];
  }

  /** Number of sequences. */
  public int batch() {
    return batch;
  }

  /** Slots per sequence. */
  public int capacity() {
    return capacity;
  }

  /** Slots filled so far (the same for every sequence; padding slots count). */
  public int length() {
    return length;
  }

  /** Empties the cache for reuse (no allocation). */
  public void clear() {
    Arrays.fill(valid, false);
    Arrays.fill(tokens, 0);
    length = 0;
  }
}
