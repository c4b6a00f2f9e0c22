package io.github.mezo4j.core.param;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ParameterTest {
  @Test
  void firstOfFindsTheFirstParameterOfADType() {
    Parameter a = Parameter.zeros("a", DType.F32, 2);
    Parameter b = Parameter.zeros("b", DType.BF16, 2);
    Parameter c = Parameter.zeros("c", DType.BF16, 3);
    assertSame(b, ParameterSet.of(a, b, c).firstOf(DType.BF16).orElseThrow());
    assertTrue(ParameterSet.of(a).firstOf(DType.BF16).isEmpty());
  }

  @Test
  void idDependsOnNameOnly() {
    Parameter a = Parameter.zeros("encoder.layer.0.weight", DType.F32, 2, 3);
    Parameter b = Parameter.zeros("encoder.layer.0.weight", DType.BF16, 7);
    Parameter c = Parameter.zeros("encoder.layer.1.weight", DType.F32, 2, 3);
    assertEquals(a.id(), b.id());
    assertNotEquals(a.id(), c.id());
    // FNV-1a 64 of "a" (published test vector)
    assertEquals(0xaf63dc4c8601ec8cL, ParameterId.of("a"));
  }

  @Test
  void bf16RoundsToNearestEven() {
    assertEquals(1.0f, BFloat16.toFloat(BFloat16.fromFloat(1.0f)));
    // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1).
    assertEquals(1.0f, BFloat16.toFloat(BFloat16.fromFloat(1.0f + 0x1p-8f)));
    assertEquals(1.0f + 0x1p-6f, BFloat16.toFloat(BFloat16.fromFloat(1.0f + 0x1p-7f + 0x1p-8f)));
    assertTrue(Float.isNaN(BFloat16.toFloat(BFloat16.fromFloat(Float.NaN))));
    assertEquals(
        Float.POSITIVE_INFINITY, BFloat16.toFloat(BFloat16.fromFloat(Float.POSITIVE_INFINITY)));
  }

  @Test
  void shapeMustMatchData() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Parameter.f32("w", new int[] {2, 3}, new float[5]));
    assertTrue(e.getMessage().contains("'w'"), e.getMessage());
  }

  @Test
  void selectionSharesStorageAndComposes() {
    ParameterSet all =
        ParameterSet.of(
            Parameter.zeros("layer.0.weight", DType.F32, 2, 2),
            Parameter.zeros("layer.0.bias", DType.F32, 2),
            Parameter.zeros("layer.1.weight", DType.F32, 2, 2),
            Parameter.zeros("norm.weight", DType.F32, 2));
    ParameterSet weights = all.select(Selector.glob("layer.*.weight"));
    assertEquals(java.util.List.of("layer.0.weight", "layer.1.weight"), weights.names());
    assertSame(all.get("layer.0.weight"), weights.get("layer.0.weight"));
    ParameterSet noBias = all.select(Selector.all().exclude(Selector.regex(".*bias")));
    assertFalse(noBias.contains("layer.0.bias"));
    assertEquals(
        java.util.List.of("layer.0.bias", "norm.weight"),
        all.select(Selector.biasOrNorm()).names());
    assertThrows(
        IllegalArgumentException.class,
        () -> ParameterSet.of(all.get("norm.weight"), all.get("norm.weight")));
  }
}
