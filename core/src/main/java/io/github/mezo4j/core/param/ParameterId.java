package io.github.mezo4j.core.param;

import java.nio.charset.StandardCharsets;

/**
 * The stable 64-bit id of a parameter, derived from its name only (FNV-1a over the UTF-8 bytes).
 * The noise stream of a parameter is keyed by this id, so the perturbation a parameter receives
 * does not depend on its position in a list or on which other parameters are trainable.
 */
public final class ParameterId {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private ParameterId() {}

  /** The id of the parameter called {@code name}. */
  public static long of(String name) {
    long hash = FNV_OFFSET;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      hash ^= (b & 0xFF);
      hash *= FNV_PRIME;
    }
    return hash;
  }
}
