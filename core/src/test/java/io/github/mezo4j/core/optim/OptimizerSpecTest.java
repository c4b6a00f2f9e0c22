package io.github.mezo4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.Selector;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptimizerSpecTest {
  @Test
  void builtInSpecsReadBackToEqualTransforms() {
    List<ZoTransform> all =
        List.of(
            Optimizers.sgd(1e-6),
            Optimizers.sgd(Schedule.warmup(100, Schedule.cosineDecay(1e-3, 10_000, 0.0))),
            Optimizers.sgdMomentum(Schedule.linearDecay(0.1, 1e-7, 3), 0.9),
            Optimizers.adam(Schedule.constant(3e-4), 0.9, 0.999, 1e-8),
            Optimizers.adamw(Schedule.constant(0.1 + 0.2), 0.01),
            Optimizers.signSgd(Schedule.constant(1.0 / 3)),
            Optimizers.chain(
                Optimizers.weightDecay(0.01),
                Optimizers.momentum(0.9),
                Optimizers.scale(-2.5),
                Optimizers.scaleByLearningRate(Schedule.constant(1e-300))));
    for (ZoTransform t : all) {
      ZoTransform back = OptimizerSpec.parse(t.spec());
      assertEquals(t.spec(), back.spec());
      assertEquals(t.stateBuffers(), back.stateBuffers());
      assertEquals(t.readsParams(), back.readsParams());
    }
    // doubles round-trip exactly
    assertEquals(
        0.1 + 0.2,
        ((BuiltInSchedules.Constant)
                ((BuiltInTransforms.ScaleByLearningRate)
                        ((BuiltInTransforms.Chain) OptimizerSpec.parse(all.get(4).spec()))
                            .parts()
                            .get(2))
                    .lr())
            .lr());
    assertEquals(
        "warmup(5,constant(1.0))", OptimizerSpec.parseSchedule("warmup(5, constant(1.0))").spec());
  }

  @Test
  void whatCannotBeReadIsNamed() {
    String custom = Optimizers.weightDecay(0.1, Selector.glob("x"), "only-x").spec();
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.parse(custom))
            .getMessage()
            .contains("\"only-x\""));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.parse("lion(0.1)"))
            .getMessage()
            .contains("unknown transform 'lion'"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.parse("momentum(0.9,1)"))
            .getMessage()
            .contains("takes 1 argument"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.parse("momentum(0.9"))
            .getMessage()
            .contains("position"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.parse("sign() x"))
            .getMessage()
            .contains("unexpected text"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> OptimizerSpec.parse("scaleByLearningRate(constant(abc))"))
            .getMessage()
            .contains("'abc'"));
  }
}
