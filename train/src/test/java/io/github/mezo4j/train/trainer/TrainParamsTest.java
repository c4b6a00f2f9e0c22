package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import org.junit.jupiter.api.Test;

/** {@code --train-params} parsed once, and each kind of run refusing the forms it cannot train. */
class TrainParamsTest {
  private static final ParameterSet MODEL =
      ParameterSet.of(
          Parameter.f32(
              "encoder.layer.0.attention.self.query.weight", new int[] {2, 2}, new float[4]),
          Parameter.f32("encoder.layer.0.attention.self.query.bias", new int[] {2}, new float[2]),
          Parameter.f32("encoder.layer.1.output.LayerNorm.weight", new int[] {2}, new float[2]));

  @Test
  void parsesEachFormOnceWithItsValues() {
    assertEquals(TrainParams.Form.ALL, TrainParams.parse("all").form());
    assertEquals(TrainParams.Form.BIAS_NORM, TrainParams.parse("bias-norm").form());
    assertEquals(TrainParams.Form.GLOB, TrainParams.parse("*.query.*").form());
    assertEquals(2, TrainParams.parse("top:2").topLayers());
    assertEquals(0.5, TrainParams.parse("sparse:0.5").sparsity());
    assertEquals(8, TrainParams.parse("lora").lora().rank());
    assertEquals("top:2", TrainParams.parse("top:2").spec(), "run.json records the value as given");
    assertEquals(2, MODEL.select(TrainParams.parse("bias-norm").selector()).count());
    assertEquals(2, MODEL.select(TrainParams.parse("*.query.*").selector(2)).count());
    assertEquals(1, MODEL.select(TrainParams.parse("top:1").selector(2)).count());
    assertEquals(1, TrainParams.parse("top:1").frozenLayers(2));
    assertThrows(IllegalArgumentException.class, () -> TrainParams.parse(" "));
  }

  @Test
  void decodersAndPairRunsRefuseTheFormsTheyDoNotTrain() {
    // a decoder given sparse:S used to train every weight without a mask
    for (String spec : new String[] {"sparse:0.5", "top:1", "lora"}) {
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> TrainParams.parse(spec).selector(), spec);
      assertTrue(e.getMessage().contains("'" + spec + "'"), e.getMessage());
    }
    for (String spec : new String[] {"sparse:0.5", "lora"}) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TrainParams.parse(spec).requireOneOf(PairFineTuneConfig.PAIR_FORMS, "pairs"));
      assertTrue(e.getMessage().contains("top:K"), e.getMessage());
    }
    TrainParams.parse("top:3").requireOneOf(PairFineTuneConfig.PAIR_FORMS, "pairs");
  }
}
