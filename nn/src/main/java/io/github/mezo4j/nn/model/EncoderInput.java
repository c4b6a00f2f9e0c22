package io.github.mezo4j.nn.model;

import io.github.mezo4j.tokenizer.Encoding;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A padded batch of token sequences for an encoder: row-major {@code [batch, seq]} arrays of input
 * ids, attention mask (1 = real token, 0 = padding) and token type ids (segment A = 0, B = 1).
 *
 * <p>The arrays are used as given (not copied); do not modify them while a forward pass runs. Range
 * checks against a model's vocabulary happen in {@link BertEncoder#forward}.
 *
 * @param batch number of sequences
 * @param seq padded length of every sequence
 * @param inputIds {@code [batch, seq]} token ids
 * @param attentionMask {@code [batch, seq]} 1 for real tokens, 0 for padding
 * @param tokenTypeIds {@code [batch, seq]} segment ids
 */
public record EncoderInput(
    int batch, int seq, int[] inputIds, int[] attentionMask, int[] tokenTypeIds) {

  /** Checks that every array holds {@code batch * seq} elements and the mask is 0/1. */
  public EncoderInput {
    if (batch < 1 || seq < 1) {
      throw new IllegalArgumentException(
          "batch and seq must be >= 1, got batch=%d seq=%d".formatted(batch, seq));
    }
    long n = (long) batch * seq;
    checkLength("inputIds", inputIds, n);
    checkLength("attentionMask", attentionMask, n);
    checkLength("tokenTypeIds", tokenTypeIds, n);
    for (int i = 0; i < n; i++) {
      int m = attentionMask[i];
      if (m != 0 && m != 1) {
        throw new IllegalArgumentException(
            "attentionMask[%d] (sequence %d, position %d) is %d; expected 0 or 1"
                .formatted(i, i / seq, i % seq, m));
      }
    }
  }

  /**
   * Full-length sequences of uniformly random ids in {@code [0, vocabSize)} other than {@code
   * avoidId} (pass the pad id so RoBERTa-style position ids stay in range), single segment; the
   * same seed gives the same batch.
   */
  public static EncoderInput random(long seed, int batch, int seq, int vocabSize, int avoidId) {
    if (vocabSize < 2) {
      throw new IllegalArgumentException("vocabSize must be >= 2, got " + vocabSize);
    }
    SplittableRandom random = new SplittableRandom(seed);
    int[] ids = new int[batch * seq];
    for (int i = 0; i < ids.length; i++) {
      int id = random.nextInt(vocabSize - 1);
      ids[i] = avoidId >= 0 && id >= avoidId ? id + 1 : id;
    }
    int[] mask = new int[batch * seq];
    Arrays.fill(mask, 1);
    return EncoderInput.of(batch, seq, ids, mask);
  }

  /** A batch with a single segment: token type ids all zero. */
  public static EncoderInput of(int batch, int seq, int[] inputIds, int[] attentionMask) {
    return new EncoderInput(batch, seq, inputIds, attentionMask, new int[batch * seq]);
  }

  /**
   * The tokenizer's encodings of one batch, which must all have the same length: encode with
   * padding (e.g. {@code tokenizer.withPadding(Padding.batchLongest()).encodeBatch(texts)}).
   *
   * @throws IllegalArgumentException naming the first encoding whose length differs
   */
  public static EncoderInput of(List<Encoding> encodings) {
    if (encodings.isEmpty()) {
      throw new IllegalArgumentException("no encodings");
    }
    int batch = encodings.size();
    int seq = encodings.getFirst().length();
    int[] ids = new int[batch * seq];
    int[] mask = new int[batch * seq];
    int[] types = new int[batch * seq];
    for (int b = 0; b < batch; b++) {
      Encoding e = encodings.get(b);
      if (e.length() != seq) {
        throw new IllegalArgumentException(
            ("encoding %d has %d tokens but encoding 0 has %d; pad the batch to one length"
                    + " (tokenizer.withPadding(Padding.batchLongest()))")
                .formatted(b, e.length(), seq));
      }
      System.arraycopy(e.ids(), 0, ids, b * seq, seq);
      System.arraycopy(e.attentionMask(), 0, mask, b * seq, seq);
      System.arraycopy(e.typeIds(), 0, types, b * seq, seq);
    }
    return new EncoderInput(batch, seq, ids, mask, types);
  }

  /**
   * Right-pads {@code sequences} (token ids, one array per sequence) to the longest one with {@code
   * padId}; token types all zero.
   */
  public static EncoderInput padded(int[][] sequences, int padId) {
    return padded(sequences, null, padId);
  }

  /**
   * Right-pads {@code sequences} and their {@code tokenTypes} (same lengths; null for all zeros) to
   * the longest sequence with {@code padId}.
   */
  public static EncoderInput padded(int[][] sequences, int[][] tokenTypes, int padId) {
    if (sequences.length == 0) {
      throw new IllegalArgumentException("no sequences to pad");
    }
    int seq = 0;
    for (int[] s : sequences) {
      seq = Math.max(seq, s.length);
    }
    if (seq == 0) {
      throw new IllegalArgumentException("every sequence is empty");
    }
    int batch = sequences.length;
    int[] ids = new int[batch * seq];
    int[] mask = new int[batch * seq];
    int[] types = new int[batch * seq];
    Arrays.fill(ids, padId);
    for (int b = 0; b < batch; b++) {
      int[] s = sequences[b];
      System.arraycopy(s, 0, ids, b * seq, s.length);
      Arrays.fill(mask, b * seq, b * seq + s.length, 1);
      if (tokenTypes != null) {
        if (tokenTypes[b].length != s.length) {
          throw new IllegalArgumentException(
              "sequence %d has %d tokens but %d token types"
                  .formatted(b, s.length, tokenTypes[b].length));
        }
        System.arraycopy(tokenTypes[b], 0, types, b * seq, s.length);
      }
    }
    return new EncoderInput(batch, seq, ids, mask, types);
  }

  /** {@code batch * seq}: the number of positions, padding included. */
  public int positions() {
    return batch * seq;
  }

  /** Number of real (unpadded) tokens in sequence {@code b}. */
  public int length(int b) {
    Objects.checkIndex(b, batch);
    int n = 0;
    for (int t = 0; t < seq; t++) {
      n += attentionMask[b * seq + t];
    }
    return n;
  }

  private static void checkLength(String field, int[] a, long expected) {
    Objects.requireNonNull(a, field);
    if (a.length != expected) {
      throw new IllegalArgumentException(
          "%s holds %d elements; expected batch*seq = %d".formatted(field, a.length, expected));
    }
  }

  // Records compare arrays by identity; value semantics are what a caller expects of a batch.
  @Override
  public boolean equals(Object o) {
    return o instanceof EncoderInput e
        && batch == e.batch
        && seq == e.seq
        && Arrays.equals(inputIds, e.inputIds)
        && Arrays.equals(attentionMask, e.attentionMask)
        && Arrays.equals(tokenTypeIds, e.tokenTypeIds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        batch,
        seq,
        Arrays.hashCode(inputIds),
        Arrays.hashCode(attentionMask),
        Arrays.hashCode(tokenTypeIds));
  }

  @Override
  public String toString() {
    return "EncoderInput[batch=%d, seq=%d]".formatted(batch, seq);
  }
}
