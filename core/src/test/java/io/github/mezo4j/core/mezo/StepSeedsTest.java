package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StepSeedsTest {
  @Test
  void seedsArePureDistinctAndDependOnEveryInput() {
    Set<Long> seen = new HashSet<>();
    for (long step = 0; step < 2000; step++) {
      long[] seeds = StepSeeds.forStep(42, step, 4);
      for (int k = 0; k < 4; k++) {
        assertEquals(StepSeeds.of(42, step, k), seeds[k]);
        seen.add(seeds[k]);
      }
    }
    assertEquals(8000, seen.size(), "no two (step, k) share a seed");
    assertArrayEquals(StepSeeds.forStep(42, 7, 3), StepSeeds.forStep(42, 7, 3));
    assertNotEquals(StepSeeds.of(42, 7, 0), StepSeeds.of(43, 7, 0));
    assertNotEquals(StepSeeds.of(0, 0, 0), StepSeeds.of(0, 0, 1));
    assertNotEquals(StepSeeds.of(0, 1, 0), StepSeeds.of(0, 0, 1));
  }
}
