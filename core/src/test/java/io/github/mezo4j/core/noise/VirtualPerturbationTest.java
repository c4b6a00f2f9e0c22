package io.github.mezo4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import org.junit.jupiter.api.Test;

class VirtualPerturbationTest {
  private final Parameter w = Parameter.f32("w", new int[] {2}, new float[] {1, 2});
  private final Parameter b = Parameter.f32("b", new int[] {2}, new float[] {3, 4});
  private final ParameterSet all = ParameterSet.of(w, b);

  @Test
  void coversOnlyTheSelectedInstances() {
    var v = new VirtualPerturbation(all.select(Selector.glob("w")), 7, 1e-3f);
    assertTrue(v.covers(w));
    assertFalse(v.covers(b));
    // Same name, other storage: not the parameter that was selected.
    assertFalse(v.covers(Parameter.f32("w", new int[] {2}, new float[] {1, 2})));
    assertFalse(v.isNone());
  }

  @Test
  void zeroScaleOrEmptySetIsNoPerturbation() {
    assertTrue(new VirtualPerturbation(all, 7, 0f).isNone());
    assertFalse(new VirtualPerturbation(all, 7, 0f).covers(w));
    assertTrue(VirtualPerturbation.none().isNone());
  }

  @Test
  void rejectsNonFiniteScale() {
    assertThrows(IllegalArgumentException.class, () -> new VirtualPerturbation(all, 1, Float.NaN));
  }
}
