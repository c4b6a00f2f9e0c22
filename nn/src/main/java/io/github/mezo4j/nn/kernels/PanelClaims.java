package io.github.mezo4j.nn.kernels;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Who packs each weight panel of one {@link MatMul} call: the first task to {@linkplain #claim
 * claim} it, whichever that is; later tasks {@linkplain #await wait} only while another thread is
 * packing it. A waiter never waits for a panel nobody has started, so no order of the tasks can
 * deadlock, and packing needs no loop (and no wait for the slowest thread) of its own.
 */
final class PanelClaims {
  private static final int FREE = 0;
  private static final int PACKING = 1;
  private static final int PACKED = 2;
  private static final int FAILED = 3;

  /** Spins before a waiter starts yielding: about a packed panel's time on a free core. */
  private static final int SPINS = 10_000;

  private final AtomicIntegerArray states;

  PanelClaims(int panels) {
    states = new AtomicIntegerArray(panels);
  }

  /** True if the caller must pack panel {@code g} now, then {@link #finish} it, even on failure. */
  boolean claim(int g) {
    return states.get(g) == FREE && states.compareAndSet(g, FREE, PACKING);
  }

  /** Publishes panel {@code g}: packed (its contents visible to every waiter), or failed. */
  void finish(int g, boolean packed) {
    states.set(g, packed ? PACKED : FAILED);
  }

  /**
   * Waits while panel {@code g} is being packed: true once it is packed, false if its packing
   * failed (that failure is the loop's, and the waiter's task should simply end). Call only after
   * {@link #claim} returned false.
   */
  boolean await(int g) {
    for (int spins = 0; ; spins++) {
      int s = states.get(g);
      if (s == PACKED || s == FAILED) {
        return s == PACKED;
      }
      if (s == FREE) {
        throw new IllegalStateException("panel " + g + " awaited before anyone claimed it");
      }
      if (spins < SPINS) {
        Thread.onSpinWait();
      } else {
        Thread.yield(); // the packing thread may be waiting for a core
      }
    }
  }
}
