package io.github.mezo4j.core.method;

/**
 * Which candidate the conservative update rule (ZO-SGD-Cons) kept: it evaluates the loss at {@code
 * theta} (before the step), {@code theta + delta} (the descent update) and {@code theta - delta},
 * and keeps the lowest.
 *
 * <p>The declaration order is part of the step log format (flags bits 1-2 hold the ordinal).
 */
public enum ConservativeChoice {
  /** The conservative rule is off. */
  NONE,
  /** Kept {@code theta + delta}, the ordinary update. */
  DESCENT,
  /** Kept {@code theta - delta}. */
  ASCENT,
  /** Kept {@code theta}: the update would have increased the loss. */
  REJECT
}
