package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.MagnitudeMask;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A forward pass under a {@link VirtualPerturbation} against the definition: the same weights
 * perturbed in place with {@link Perturbation#addScaledNoise}, then a plain forward pass.
 */
class BertEncoderPerturbationTest {
  private static final long SEED = 20261126L;
  private static final float EPS = 1e-2f;

  /** More than 256 tokens, so matrices are packed once per call and shared by row blocks. */
  private static final BertConfig WIDE = TinyBert.config("bert", 300, 64, 2, 4, 160, 80, 2, 0);

  private static EncoderInput wideBatch() {
    return TinyBert.randomBatch(WIDE, 7, new int[] {70, 33, 64, 5, 80, 41}, true);
  }

  /** Forward on a copy of {@code params} with {@code selection}'s parameters perturbed in place. */
  private static float[] inPlaceReference(
      BertConfig c, ParameterSet params, Selector selection, float scale, EncoderInput in) {
    ParameterSet copy = params.copy();
    Perturbation.addScaledNoise(copy.select(selection), SEED, scale, Workers.serial());
    return BertEncoder.of(c, copy).forward(in, Workers.serial());
  }

  @Test
  void equalsForwardOnWeightsPerturbedInPlaceAndLeavesThemUntouched() {
    List<Selector> selections =
        List.of(
            Selector.all(),
            Selector.biasOrNorm(),
            Selector.glob("embeddings.*"),
            Selector.glob("encoder.layer.1.*"));
    for (BertConfig c : List.of(TinyBert.bert(), WIDE)) {
      ParameterSet params = TinyBert.params(c, 3, "");
      ParameterSet stored = params.copy();
      BertEncoder encoder = BertEncoder.of(c, params);
      EncoderInput in =
          c == WIDE ? wideBatch() : TinyBert.randomBatch(c, 4, new int[] {7, 3, 12, 1}, true);
      float[] plain = encoder.forward(in, Workers.serial());
      for (Selector selection : selections) {
        for (float scale : new float[] {EPS, -EPS}) {
          VirtualPerturbation vp = new VirtualPerturbation(params.select(selection), SEED, scale);
          float[] expected = inPlaceReference(c, params, selection, scale, in);
          float[] got = encoder.forward(in, Workers.serial(), vp);
          String what = "hidden " + c.hiddenSize() + ", " + selection + ", scale " + scale;
          assertArrayEquals(expected, got, what);
          assertFalse(Arrays.equals(plain, got), what + ": the noise changed nothing");
          assertTrue(params.contentEquals(stored), what + ": stored weights changed");
        }
      }
      assertArrayEquals(plain, encoder.forward(in, Workers.serial()), "plain pass afterwards");
    }
  }

  /**
   * Rademacher directions and Sparse MeZO masks (on every matrix: embeddings, attention, MLP) read
   * in the engine's tile packing equal the same directions added in place, for single and paired
   * passes, f32 and bf16 storage.
   */
  @Test
  void everyDirectionsEqualsTheInPlacePerturbation() {
    ParameterSet params = TinyBert.params(WIDE, 9, "");
    ParameterSet matrices = params.select(Selector.all().exclude(Selector.biasOrNorm()));
    java.util.Map<String, Float> mask = MagnitudeMask.thresholds(matrices, 0.75);
    List<Directions> all =
        List.of(
            Directions.of(Directions.Distribution.RADEMACHER),
            Directions.gaussian().withMask(mask),
            Directions.of(Directions.Distribution.RADEMACHER).withMask(mask));
    EncoderInput in = wideBatch();
    BertEncoder encoder = BertEncoder.of(WIDE, params);
    float[] plain = encoder.forward(in, Workers.serial());
    for (Directions d : all) {
      float[][] pair;
      try (Workers two = Workers.of(2)) {
        pair = encoder.forwardPair(in, two, new VirtualPerturbation(params, SEED, EPS, d));
      }
      for (int sign = 0; sign < 2; sign++) {
        float scale = sign == 0 ? EPS : -EPS;
        ParameterSet copy = params.copy();
        Perturbation.addScaledNoise(copy, SEED, scale, d, Workers.serial());
        float[] expected = BertEncoder.of(WIDE, copy).forward(in, Workers.serial());
        float[] got =
            encoder.forward(in, Workers.serial(), new VirtualPerturbation(params, SEED, scale, d));
        assertArrayEquals(expected, got, d.distribution() + " masked " + d.isMasked());
        assertArrayEquals(expected, pair[sign], "pair, " + d.distribution());
        assertFalse(Arrays.equals(plain, got), "the noise changed something");
      }
    }
    // bf16 storage: the mask and the noise apply to the exactly widened values
    List<Parameter> bf16List = new ArrayList<>();
    List<Parameter> widenedList = new ArrayList<>();
    for (Parameter p : params) {
      Parameter b = Parameter.of(p.name(), DType.BF16, p.shape(), p.toFloatArray());
      bf16List.add(b);
      widenedList.add(Parameter.f32(p.name(), p.shape(), b.toFloatArray()));
    }
    ParameterSet widened = ParameterSet.of(widenedList);
    Directions d =
        Directions.of(Directions.Distribution.RADEMACHER)
            .withMask(
                MagnitudeMask.thresholds(
                    widened.select(Selector.all().exclude(Selector.biasOrNorm())), 0.5));
    Perturbation.addScaledNoise(widened, SEED, EPS, d, Workers.serial());
    ParameterSet bf16 = ParameterSet.of(bf16List);
    assertArrayEquals(
        BertEncoder.of(WIDE, widened).forward(in, Workers.serial()),
        BertEncoder.of(WIDE, bf16)
            .forward(in, Workers.serial(), new VirtualPerturbation(bf16, SEED, EPS, d)),
        "bf16, masked Rademacher");
  }

  @Test
  void sameBitsForOneTwoAndEightThreads() {
    ParameterSet params = TinyBert.params(WIDE, 5, "");
    BertEncoder encoder = BertEncoder.of(WIDE, params);
    EncoderInput in = wideBatch();
    VirtualPerturbation vp = new VirtualPerturbation(params, SEED, EPS);
    float[] one = encoder.forward(in, Workers.serial(), vp);
    try (Workers two = Workers.of(2);
        Workers eight = Workers.of(8)) {
      assertArrayEquals(one, encoder.forward(in, two, vp));
      assertArrayEquals(one, encoder.forward(in, eight, vp));
    }
  }

  @Test
  void noPerturbationAndZeroScaleAreThePlainPass() {
    ParameterSet params = TinyBert.params(WIDE, 6, "");
    BertEncoder encoder = BertEncoder.of(WIDE, params);
    EncoderInput in = wideBatch();
    float[] plain = encoder.forward(in, Workers.serial());
    assertArrayEquals(plain, encoder.forward(in, Workers.serial(), VirtualPerturbation.none()));
    assertArrayEquals(
        plain, encoder.forward(in, Workers.serial(), new VirtualPerturbation(params, SEED, 0f)));
    // a set of look-alike parameters (same names, other storage) covers nothing of this encoder
    ParameterSet other = params.copy();
    assertArrayEquals(
        plain, encoder.forward(in, Workers.serial(), new VirtualPerturbation(other, SEED, EPS)));
  }

  @Test
  void bf16WeightsAreReadAsTheirExactF32Values() {
    BertConfig c = WIDE;
    ParameterSet f32 = TinyBert.params(c, 8, "");
    List<Parameter> bf16List = new ArrayList<>();
    for (Parameter p : f32) {
      bf16List.add(Parameter.of(p.name(), DType.BF16, p.shape(), p.toFloatArray()));
    }
    ParameterSet bf16 = ParameterSet.of(bf16List);
    ParameterSet widened = bf16.copy();
    List<Parameter> widenedList = new ArrayList<>();
    for (Parameter p : widened) {
      widenedList.add(Parameter.f32(p.name(), p.shape(), p.toFloatArray()));
    }
    ParameterSet asF32 = ParameterSet.of(widenedList);
    EncoderInput in = wideBatch();
    BertEncoder encoder = BertEncoder.of(c, bf16);
    assertArrayEquals(
        BertEncoder.of(c, asF32).forward(in, Workers.serial()),
        encoder.forward(in, Workers.serial()),
        "bf16 plain");
    // perturbed: noise added in f32 to the widened weights (never rounded back to bf16)
    ParameterSet stored = bf16.copy();
    float[] expected = inPlaceReference(c, asF32, Selector.all(), EPS, in);
    try (Workers two = Workers.of(2)) {
      assertArrayEquals(
          expected, encoder.forward(in, two, new VirtualPerturbation(bf16, SEED, EPS)), "bf16+eps");
    }
    assertTrue(bf16.contentEquals(stored), "bf16 weights changed");
  }
}
