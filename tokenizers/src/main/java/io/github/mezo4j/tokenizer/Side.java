package io.github.mezo4j.tokenizer;

/** Which end of a sequence truncation removes tokens from, or padding adds them to. */
public enum Side {
  /** The start of the sequence. */
  LEFT,
  /** The end of the sequence (the usual choice for BERT). */
  RIGHT
}
