package io.github.mezo4j.nn.model;

/** How a sentence embedding is read off an encoder's last hidden states. */
public enum SentencePooling {
  /**
   * Mean over the real (mask = 1) tokens: what all-MiniLM-L6-v2 and e5 use. A sequence with no real
   * tokens pools to zeros.
   */
  MEAN,
  /** The first token's hidden state ([CLS] / {@code <s>}): what bge uses. */
  CLS
}
