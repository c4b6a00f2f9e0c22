package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TokenSamplerTest {
  private static final float[] LOGITS = {0.5f, 2f, -1f, 2f, 1f};

  @Test
  void greedyTakesTheFirstLargestLogit() {
    assertEquals(1, TokenSampler.greedy().sample(LOGITS, 0, LOGITS.length, 0));
    float[] padded = {9f, 9f, 0f, 3f, 1f};
    assertEquals(1, TokenSampler.greedy().sample(padded, 2, 3, 0), "row [0, 3, 1] at offset 2");
  }

  @Test
  void samplingFollowsSoftmaxOverTemperature() {
    double t = 0.7;
    TokenSampler s = TokenSampler.temperature(t, 11);
    int n = 40_000;
    int[] counts = new int[LOGITS.length];
    for (int step = 0; step < n; step++) {
      counts[s.sample(LOGITS, 0, LOGITS.length, step)]++;
    }
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l / t);
    }
    for (int i = 0; i < LOGITS.length; i++) {
      double p = Math.exp(LOGITS[i] / t) / z;
      double sd = Math.sqrt(p * (1 - p) / n);
      assertEquals(p, counts[i] / (double) n, 5 * sd + 1e-9, "token " + i);
    }
  }

  @Test
  void aSeedAndStepAlwaysGiveTheSameToken() {
    for (long step = 0; step < 50; step++) {
      assertEquals(
          TokenSampler.temperature(1, 5).sample(LOGITS, 0, LOGITS.length, step),
          TokenSampler.temperature(1, 5).sample(LOGITS, 0, LOGITS.length, step));
    }
    assertThrows(IllegalArgumentException.class, () -> TokenSampler.temperature(0, 1));
    assertThrows(IllegalArgumentException.class, () -> TokenSampler.temperature(Double.NaN, 1));
  }
}
