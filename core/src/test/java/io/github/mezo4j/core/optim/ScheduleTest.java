package io.github.mezo4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScheduleTest {
  @Test
  void constantLinearCosineAndWarmupFollowTheirFormulas() {
    assertEquals(0.5, Schedule.constant(0.5).value(123));

    Schedule lin = Schedule.linearDecay(1.0, 0.2, 100);
    assertEquals(1.0, lin.value(0));
    assertEquals(0.6, lin.value(50), 1e-15);
    assertEquals(0.2, lin.value(100), 1e-15);
    assertEquals(0.2, lin.value(1000), 1e-15);

    Schedule cos = Schedule.cosineDecay(2.0, 10, 0.1);
    assertEquals(2.0, cos.value(0), 1e-15);
    assertEquals(2.0 * (0.1 + 0.9 * 0.5), cos.value(5), 1e-12);
    assertEquals(0.2, cos.value(10), 1e-12);
    assertEquals(0.2, cos.value(99), 1e-12);
    for (int t = 1; t <= 10; t++) {
      assertTrue(cos.value(t) < cos.value(t - 1), "cosine decreases");
    }

    Schedule warm = Schedule.warmup(4, Schedule.constant(1.0));
    assertEquals(0.25, warm.value(0));
    assertEquals(0.5, warm.value(1));
    assertEquals(1.0, warm.value(3));
    assertEquals(1.0, warm.value(4));
    Schedule warmCos = Schedule.warmup(4, cos);
    assertEquals(cos.value(3), warmCos.value(7));
  }

  @Test
  void badArgumentsAreNamed() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Schedule.linearDecay(1, 0, 0))
            .getMessage()
            .contains("transitionSteps"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Schedule.cosineDecay(1, 10, 1.5))
            .getMessage()
            .contains("1.5"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> Schedule.warmup(-1, Schedule.constant(1)))
            .getMessage()
            .contains("-1"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Schedule.linearDecay(Double.NaN, 0, 5))
            .getMessage()
            .contains("NaN"));
  }
}
