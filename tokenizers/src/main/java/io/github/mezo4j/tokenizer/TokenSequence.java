package io.github.mezo4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** A growable encoding under construction: tokens are appended, cut and padded in place. */
final class TokenSequence {
  private int[] ids;
  private int[] typeIds;
  private int[] mask;
  private int[] starts;
  private int[] ends;
  private int[] sequenceIds;
  private final List<String> tokens;
  private int length;

  TokenSequence(int capacity) {
    int c = Math.max(capacity, 8);
    ids = new int[c];
    typeIds = new int[c];
    mask = new int[c];
    starts = new int[c];
    ends = new int[c];
    sequenceIds = new int[c];
    tokens = new ArrayList<>(c);
  }

  int length() {
    return length;
  }

  void add(int id, String token, int typeId, int attention, int start, int end, int sequenceId) {
    if (length == ids.length) {
      int c = length * 2;
      ids = Arrays.copyOf(ids, c);
      typeIds = Arrays.copyOf(typeIds, c);
      mask = Arrays.copyOf(mask, c);
      starts = Arrays.copyOf(starts, c);
      ends = Arrays.copyOf(ends, c);
      sequenceIds = Arrays.copyOf(sequenceIds, c);
    }
    ids[length] = id;
    typeIds[length] = typeId;
    mask[length] = attention;
    starts[length] = start;
    ends[length] = end;
    sequenceIds[length] = sequenceId;
    tokens.add(token);
    length++;
  }

  /** Appends all of {@code other}, giving its tokens type id {@code typeId}. */
  void addAll(TokenSequence other, int typeId) {
    for (int i = 0; i < other.length; i++) {
      add(
          other.ids[i],
          other.tokens.get(i),
          typeId,
          other.mask[i],
          other.starts[i],
          other.ends[i],
          other.sequenceIds[i]);
    }
  }

  /** Keeps {@code maxLength} tokens, dropping the others from {@code side}. */
  void truncate(int maxLength, Side side) {
    if (length <= maxLength) {
      return;
    }
    if (side == Side.LEFT) {
      int drop = length - maxLength;
      for (int[] a : new int[][] {ids, typeIds, mask, starts, ends, sequenceIds}) {
        System.arraycopy(a, drop, a, 0, maxLength);
      }
      tokens.subList(0, drop).clear();
    } else {
      tokens.subList(maxLength, length).clear();
    }
    length = maxLength;
  }

  /** Pads to {@code target} tokens on {@code padding}'s side; never shortens. */
  void pad(int target, Padding padding) {
    int n = target - length;
    if (n <= 0) {
      return;
    }
    int oldLength = length;
    for (int i = 0; i < n; i++) {
      add(padding.padId(), padding.padToken(), padding.padTypeId(), 0, 0, 0, -1);
    }
    if (padding.side() == Side.LEFT) {
      // Move the real tokens behind the padding just appended.
      for (int[] a : new int[][] {ids, typeIds, mask, starts, ends, sequenceIds}) {
        int[] real = Arrays.copyOf(a, oldLength);
        Arrays.fill(a, 0, n, a[oldLength]);
        System.arraycopy(real, 0, a, n, oldLength);
      }
      Collections.rotate(tokens, n);
    }
  }

  String token(int i) {
    return tokens.get(i);
  }

  int start(int i) {
    return starts[i];
  }

  int end(int i) {
    return ends[i];
  }

  void setOffsets(int i, int start, int end) {
    starts[i] = start;
    ends[i] = end;
  }

  Encoding toEncoding() {
    return new Encoding(
        Arrays.copyOf(ids, length),
        Arrays.copyOf(typeIds, length),
        Arrays.copyOf(mask, length),
        tokens,
        Arrays.copyOf(starts, length),
        Arrays.copyOf(ends, length),
        Arrays.copyOf(sequenceIds, length));
  }
}
