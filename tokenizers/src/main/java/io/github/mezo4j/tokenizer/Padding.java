package io.github.mezo4j.tokenizer;

import java.util.Objects;

/**
 * How encodings are padded, as Hugging Face tokenizers does it: to a fixed length, or to the
 * longest encoding of the batch, optionally rounded up to a multiple. Padding never shortens an
 * encoding; padded positions get {@code padId}, {@code padTypeId} and attention mask 0.
 *
 * <pre>{@code
 * tokenizer.withPadding(Padding.batchLongest());
 * tokenizer.withPadding(Padding.fixed(128).withSide(Side.LEFT));
 * }</pre>
 *
 * @param fixedLength the length to pad to, or 0 to pad to the longest encoding of the batch
 * @param side where padding goes
 * @param multipleOf round the padded length up to a multiple of this (0 or 1: no rounding)
 * @param padId the id of padded positions
 * @param padTypeId the token type id of padded positions
 * @param padToken the token string of padded positions
 */
public record Padding(
    int fixedLength, Side side, int multipleOf, int padId, int padTypeId, String padToken) {

  /** Checks the values. */
  public Padding {
    if (fixedLength < 0) {
      throw new IllegalArgumentException("padding fixedLength must be >= 0, got " + fixedLength);
    }
    if (multipleOf < 0) {
      throw new IllegalArgumentException("padding multipleOf must be >= 0, got " + multipleOf);
    }
    Objects.requireNonNull(side, "side");
    Objects.requireNonNull(padToken, "padToken");
  }

  /** Pads every encoding of a batch to the batch's longest, with BERT's {@code [PAD]} (id 0). */
  public static Padding batchLongest() {
    return new Padding(0, Side.RIGHT, 0, 0, 0, "[PAD]");
  }

  /** Pads every encoding to {@code length}, with BERT's {@code [PAD]} (id 0). */
  public static Padding fixed(int length) {
    if (length <= 0) {
      throw new IllegalArgumentException("fixed padding length must be > 0, got " + length);
    }
    return new Padding(length, Side.RIGHT, 0, 0, 0, "[PAD]");
  }

  /** Whether this pads to the batch's longest encoding rather than to a fixed length. */
  public boolean isBatchLongest() {
    return fixedLength == 0;
  }

  /** This padding on another side. */
  public Padding withSide(Side newSide) {
    return new Padding(fixedLength, newSide, multipleOf, padId, padTypeId, padToken);
  }

  /** This padding rounded up to a multiple of {@code n}. */
  public Padding withMultipleOf(int n) {
    return new Padding(fixedLength, side, n, padId, padTypeId, padToken);
  }

  /** This padding with another pad token and id. */
  public Padding withPadToken(String token, int id) {
    return new Padding(fixedLength, side, multipleOf, id, padTypeId, token);
  }

  /** The length a batch whose longest encoding has {@code longest} tokens is padded to. */
  int targetLength(int longest) {
    int target = isBatchLongest() ? longest : fixedLength;
    if (multipleOf > 0 && target % multipleOf != 0) {
      target += multipleOf - target % multipleOf;
    }
    return target;
  }
}
