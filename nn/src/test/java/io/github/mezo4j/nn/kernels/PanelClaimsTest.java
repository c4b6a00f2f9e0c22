package io.github.mezo4j.nn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** PanelClaims: one packer per panel; waiters see its work, or learn that it failed. */
class PanelClaimsTest {
  @Test
  void onlyTheFirstClaimPacks() {
    PanelClaims c = new PanelClaims(3);
    assertTrue(c.claim(1));
    assertFalse(c.claim(1));
    assertTrue(c.claim(0), "panels are independent");
    c.finish(1, true);
    assertFalse(c.claim(1), "a packed panel is never packed again");
    assertTrue(c.await(1));
  }

  @Test
  void aFailedPackingReleasesItsWaitersWithFalse() {
    PanelClaims c = new PanelClaims(1);
    assertTrue(c.claim(0));
    c.finish(0, false);
    assertFalse(c.await(0));
    assertFalse(c.claim(0), "a failed panel is not packed again");
  }

  @Test
  void awaitingAnUnclaimedPanelIsABugNotAHang() {
    assertThrows(IllegalStateException.class, () -> new PanelClaims(2).await(1));
  }

  @Test
  void waitersSeeWhatThePackerWroteBeforeFinishing() throws Exception {
    for (int round = 0; round < 50; round++) {
      PanelClaims c = new PanelClaims(1);
      int[] panel = new int[1024];
      CountDownLatch waiting = new CountDownLatch(3);
      AtomicInteger ok = new AtomicInteger();
      assertTrue(c.claim(0));
      Thread[] waiters = new Thread[3];
      for (int i = 0; i < waiters.length; i++) {
        waiters[i] =
            new Thread(
                () -> {
                  assertFalse(c.claim(0));
                  waiting.countDown();
                  if (c.await(0)) {
                    int[] expected = new int[panel.length];
                    java.util.Arrays.fill(expected, 7);
                    assertArrayEquals(expected, panel);
                    ok.incrementAndGet();
                  }
                });
        waiters[i].start();
      }
      assertTrue(waiting.await(10, TimeUnit.SECONDS));
      java.util.Arrays.fill(panel, 7); // plain writes, published by finish
      c.finish(0, true);
      for (Thread t : waiters) {
        t.join(10_000);
        assertFalse(t.isAlive());
      }
      assertEquals(3, ok.get(), "round " + round);
    }
  }
}
