package io.github.mezo4j.nn.model;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A batch of token sequences padded to one length: {@code ids[batch, seq]} and {@code valid[batch,
 * seq]} row-major, {@code valid} false at padding. Padding ids are 0; no position reads them,
 * because attention skips invalid slots and positions count only valid tokens (so a sequence gets
 * the same results padded on either side as alone).
 *
 * @param batch number of sequences
 * @param seq padded length
 * @param ids token ids, {@code [batch * seq]}
 * @param valid true for real tokens, {@code [batch * seq]}
 */
public record TokenBatch(int batch, int seq, int[] ids, boolean[] valid) {

  /** Checks the sizes; the arrays are used as given (not copied). */
  public TokenBatch {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(valid, "valid");
    if (batch < 0 || seq < 0) {
      throw new IllegalArgumentException("batch and seq must be >= 0, got " + batch + ", " + seq);
    }
    if (ids.length != (long) batch * seq || valid.length != (long) batch * seq) {
      throw new IllegalArgumentException(
          "ids (%d) and valid (%d) must both hold batch * seq = %d entries"
              .formatted(ids.length, valid.length, (long) batch * seq));
    }
  }

  /** One unpadded sequence. */
  public static TokenBatch of(int... tokens) {
    boolean[] valid = new boolean[tokens.length];
    Arrays.fill(valid, true);
    return new TokenBatch(1, tokens.length, tokens.clone(), valid);
  }

  /** Sequences padded at the end to the longest one (for scoring). */
  public static TokenBatch rightPadded(List<int[]> sequences) {
    return padded(sequences, false);
  }

  /** Sequences padded at the start, so every row's last slot is a real token (for generation). */
  public static TokenBatch leftPadded(List<int[]> sequences) {
    return padded(sequences, true);
  }

  private static TokenBatch padded(List<int[]> sequences, boolean left) {
    int seq = 0;
    for (int[] s : sequences) {
      seq = Math.max(seq, s.length);
    }
    int batch = sequences.size();
    int[] ids = new int[batch * seq];
    boolean[] valid = new boolean[batch * seq];
    for (int b = 0; b < batch; b++) {
      int[] s = sequences.get(b);
      int start = b * seq + (left ? seq - s.length : 0);
      System.arraycopy(s, 0, ids, start, s.length);
      Arrays.fill(valid, start, start + s.length, true);
    }
    return new TokenBatch(batch, seq, ids, valid);
  }
}
