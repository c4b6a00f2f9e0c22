package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.PerturbedObjective;
import io.github.mezo4j.core.mezo.StepResult;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * LoRA adapters on {@link BertEncoder}: zero B is the base model bit for bit, random A and B equal
 * a forward pass over independently merged weights {@code W + (alpha / r) B A}, and the adapters
 * follow every perturbation path (virtual, paired, in place) with the same bits.
 */
class BertEncoderLoraTest {
  private static final LoraConfig ALL_TARGETS =
      new LoraConfig(3, 5, Arrays.asList(LoraTarget.values()));

  /** More than 256 tokens (packed matrices), widths that are not whole panels. */
  private static final BertConfig WIDE = TinyBert.config("bert", 300, 40, 2, 4, 100, 80, 2, 0);

  private static List<BertConfig> configs() {
    return List.of(TinyBert.bert(), TinyBert.roberta(), WIDE);
  }

  private static EncoderInput batch(BertConfig c) {
    return c == WIDE
        ? TinyBert.randomBatch(WIDE, 9, new int[] {70, 33, 64, 5, 80, 41}, true)
        : TinyBert.randomBatch(c, 4, new int[] {7, 3, 12, 1}, c.typeVocabSize() > 1);
  }

  /** Fills every adapter tensor with values of about the base weights' size. */
  private static void randomize(ParameterSet adapters, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (Parameter p : adapters) {
      float[] v = new float[p.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) ((r.nextDouble() * 2 - 1) * 0.3);
      }
      p.copyFrom(v);
    }
  }

  /** W + s B A for every adapted weight, computed here in double, adapters left out. */
  private static ParameterSet naiveMerge(ParameterSet all, LoraConfig lora) {
    List<Parameter> out = new ArrayList<>();
    double s = lora.alpha() / lora.rank();
    for (Parameter p : all) {
      String n = p.name();
      if (LoraConfig.isAdapter(n)) {
        continue;
      }
      String module = n.endsWith(".weight") ? n.substring(0, n.length() - ".weight".length()) : n;
      if (!all.contains(module + LoraConfig.A_SUFFIX)) {
        out.add(p);
        continue;
      }
      float[] a = all.get(module + LoraConfig.A_SUFFIX).toFloatArray();
      float[] b = all.get(module + LoraConfig.B_SUFFIX).toFloatArray();
      int rows = p.dim(0);
      int cols = p.dim(1);
      int r = lora.rank();
      float[] w = p.toFloatArray();
      for (int o = 0; o < rows; o++) {
        for (int i = 0; i < cols; i++) {
          double acc = 0;
          for (int k = 0; k < r; k++) {
            acc += (double) b[o * r + k] * a[k * cols + i];
          }
          w[o * cols + i] = (float) (w[o * cols + i] + s * acc);
        }
      }
      out.add(Parameter.f32(n, p.shape(), w));
    }
    return ParameterSet.of(out);
  }

  private static double maxDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  @Test
  void adaptersHavePeftNamesAndShapesAfterTheirLayersWeights() {
    BertConfig c = TinyBert.bert(); // hidden 16, intermediate 40
    BertEncoder base = BertEncoder.of(c, TinyBert.params(c, 1, "bert."));
    BertEncoder lora = base.withLora(LoraConfig.DEFAULT, 42);
    assertEquals(LoraConfig.DEFAULT, lora.lora());
    ParameterSet adapters = lora.adapterParameters();
    assertEquals(
        List.of(
            "bert.encoder.layer.0.attention.self.query.lora_A.weight",
            "bert.encoder.layer.0.attention.self.query.lora_B.weight",
            "bert.encoder.layer.0.attention.self.value.lora_A.weight",
            "bert.encoder.layer.0.attention.self.value.lora_B.weight",
            "bert.encoder.layer.1.attention.self.query.lora_A.weight",
            "bert.encoder.layer.1.attention.self.query.lora_B.weight",
            "bert.encoder.layer.1.attention.self.value.lora_A.weight",
            "bert.encoder.layer.1.attention.self.value.lora_B.weight"),
        adapters.names());
    assertArrayEquals(new int[] {8, 16}, adapters.get(adapters.names().get(0)).shape());
    assertArrayEquals(new int[] {16, 8}, adapters.get(adapters.names().get(1)).shape());
    // every base weight, then the adapters, in model order; base storage shared
    assertEquals(base.parameters().count() + 8, lora.parameters().count());
    assertSame(
        base.parameters().get("bert.encoder.layer.1.output.dense.weight"),
        lora.parameters().get("bert.encoder.layer.1.output.dense.weight"));
    int layer1 =
        lora.parameters().names().indexOf("bert.encoder.layer.1.attention.self.query.weight");
    assertEquals(
        "bert.encoder.layer.0.attention.self.value.lora_B.weight",
        lora.parameters().names().get(layer1 - 1));
    assertEquals(lora.parameters().list().subList(0, layer1), lora.prefixParameters(1).list());
    assertEquals(2L * 2 * (8 * 16 + 16 * 8), adapters.elementCount()); // layers x targets x (A + B)
    assertThrows(IllegalStateException.class, () -> lora.withLora(LoraConfig.DEFAULT, 1));

    ParameterSet intermediate =
        base.withLora(new LoraConfig(2, 4, List.of(LoraTarget.INTERMEDIATE, LoraTarget.OUTPUT)), 1)
            .adapterParameters();
    assertArrayEquals(
        new int[] {2, 16},
        intermediate.get("bert.encoder.layer.0.intermediate.dense.lora_A.weight").shape());
    assertArrayEquals(
        new int[] {40, 2},
        intermediate.get("bert.encoder.layer.0.intermediate.dense.lora_B.weight").shape());
    assertArrayEquals(
        new int[] {2, 40},
        intermediate.get("bert.encoder.layer.0.output.dense.lora_A.weight").shape());
    assertArrayEquals(
        new int[] {16, 2},
        intermediate.get("bert.encoder.layer.0.output.dense.lora_B.weight").shape());
  }

  @Test
  void initialAIsUniformWithinTheKaimingBoundAndAFunctionOfSeedAndNameOnly() {
    BertConfig c = WIDE; // in = 40
    ParameterSet params = TinyBert.params(c, 1, "");
    ParameterSet a = BertEncoder.of(c, params).withLora(ALL_TARGETS, 7).adapterParameters();
    ParameterSet again = BertEncoder.of(c, params).withLora(ALL_TARGETS, 7).adapterParameters();
    ParameterSet otherSeed = BertEncoder.of(c, params).withLora(ALL_TARGETS, 8).adapterParameters();
    assertTrue(a.contentEquals(again));
    ParameterSet onlyQuery =
        BertEncoder.of(c, params)
            .withLora(new LoraConfig(3, 5, List.of(LoraTarget.QUERY)), 7)
            .adapterParameters();
    for (Parameter p : onlyQuery) {
      assertTrue(p.contentEquals(a.get(p.name())), p.name() + " depends on the other targets");
    }
    double sum = 0;
    double sumSq = 0;
    long n = 0;
    for (Parameter p : a) {
      float[] v = p.toFloatArray();
      if (p.name().endsWith(LoraConfig.B_SUFFIX)) {
        assertArrayEquals(new float[v.length], v, p.name() + " must start at zero");
        continue;
      }
      assertFalse(p.contentEquals(otherSeed.get(p.name())), p.name() + " ignores the seed");
      double bound = 1 / Math.sqrt(p.dim(1));
      for (float x : v) {
        assertTrue(Math.abs(x) < bound, p.name() + ": " + x + " outside +-" + bound);
        sum += x * Math.sqrt(p.dim(1));
        sumSq += x * x * p.dim(1);
        n++;
      }
    }
    // U(-1, 1) after scaling: mean 0, variance 1/3 (n is about 2,000)
    assertEquals(0, sum / n, 0.05);
    assertEquals(1 / 3.0, sumSq / n, 0.03);
  }

  @Test
  void zeroBIsTheBaseModelBitForBit() {
    for (BertConfig c : configs()) {
      ParameterSet params = TinyBert.params(c, 2, "");
      BertEncoder base = BertEncoder.of(c, params);
      BertEncoder lora = base.withLora(ALL_TARGETS, 3);
      EncoderInput in = batch(c);
      assertArrayEquals(base.forward(in, Workers.serial()), lora.forward(in, Workers.serial()));
      // the base weights perturbed (the adapters not): still the base model's bits
      VirtualPerturbation plus = new VirtualPerturbation(params, 11, 1e-2f);
      float[][] expect = base.forwardPair(in, Workers.serial(), plus);
      float[][] got = lora.forwardPair(in, Workers.serial(), plus);
      assertArrayEquals(expect[0], got[0]);
      assertArrayEquals(expect[1], got[1]);
    }
  }

  @Test
  void randomAdaptersEqualANaiveMergedWeightForward() {
    for (BertConfig c : configs()) {
      for (LoraConfig cfg : List.of(ALL_TARGETS, LoraConfig.DEFAULT)) {
        BertEncoder lora = BertEncoder.of(c, TinyBert.params(c, 5, "")).withLora(cfg, 3);
        randomize(lora.adapterParameters(), 17);
        EncoderInput in = batch(c);
        float[] got = lora.forward(in, Workers.serial());
        float[] naive =
            BertEncoder.of(c, naiveMerge(lora.parameters(), cfg)).forward(in, Workers.serial());
        float[] merged = BertEncoder.of(c, lora.mergedParameters()).forward(in, Workers.serial());
        float[] unadapted =
            BertEncoder.of(c, lora.mergedParameters()).forward(in, Workers.serial());
        String what = c.modelType() + " hidden " + c.hiddenSize() + " " + cfg.spec();
        assertTrue(
            maxDiff(got, naive) < 2e-4, what + ": adapters vs naive merge " + maxDiff(got, naive));
        assertTrue(maxDiff(merged, naive) < 2e-4, what + ": mergedParameters vs naive merge");
        float[] base = BertEncoder.of(c, TinyBert.params(c, 5, "")).forward(in, Workers.serial());
        assertTrue(maxDiff(got, base) > 1e-2, what + ": the adapters changed nothing");
        assertArrayEquals(merged, unadapted);
        for (int threads : new int[] {2, 8}) {
          try (Workers w = Workers.of(threads)) {
            assertArrayEquals(got, lora.forward(in, w), what + ", " + threads + " threads");
          }
        }
      }
    }
  }

  @Test
  void perturbedAdaptersReadTheSameVirtuallyInPairsAndInPlace() {
    for (BertConfig c : configs()) {
      BertEncoder lora = BertEncoder.of(c, TinyBert.params(c, 5, "")).withLora(ALL_TARGETS, 3);
      ParameterSet adapters = lora.adapterParameters();
      randomize(adapters, 19);
      ParameterSet stored = adapters.copy();
      EncoderInput in = batch(c);
      VirtualPerturbation plus = new VirtualPerturbation(adapters, 23, 1e-2f);
      VirtualPerturbation minus = new VirtualPerturbation(adapters, 23, -1e-2f);
      float[] expectPlus = lora.forward(in, Workers.serial(), plus);
      float[] expectMinus = lora.forward(in, Workers.serial(), minus);
      assertFalse(Arrays.equals(expectPlus, expectMinus));
      for (int threads : new int[] {1, 3}) {
        try (Workers w = Workers.of(threads)) {
          float[][] pair = lora.forwardPair(in, w, plus);
          assertArrayEquals(expectPlus, pair[0], threads + " threads, plus");
          assertArrayEquals(expectMinus, pair[1], threads + " threads, minus");
        }
      }
      assertTrue(adapters.contentEquals(stored), "a virtual pass wrote the adapters");
      Perturbation.addScaledNoise(adapters, 23, 1e-2f, Workers.serial());
      assertArrayEquals(expectPlus, lora.forward(in, Workers.serial()), "in place, plus");
    }
  }

  /**
   * The in-place path perturbs the stored adapters ({@code +eps z}, then {@code -2 eps z}); the
   * virtual path reads them perturbed. As for every other weight (core's VirtualModeTest), L+ is
   * the same bits and the projected gradients agree up to the in-place path's rounding drift.
   */
  @Test
  void aMezoStepOnAdaptersEstimatesTheSameVirtuallyAndInPlace() throws Exception {
    BertConfig c = WIDE;
    EncoderInput in = batch(c);
    StepResult[] results = new StepResult[2];
    ParameterSet[] trained = new ParameterSet[2];
    for (int mode = 0; mode < 2; mode++) {
      BertEncoder lora =
          BertEncoder.of(c, TinyBert.params(c, 5, "")).withLora(LoraConfig.DEFAULT, 3);
      ParameterSet adapters = lora.adapterParameters();
      randomize(adapters, 31); // B != 0, so A's noise matters too
      PerturbedObjective<EncoderInput> virtual =
          new PerturbedObjective<>() {
            @Override
            public double loss(EncoderInput batch, VirtualPerturbation p) {
              return lossOf(lora.forward(batch, Workers.serial(), p));
            }

            @Override
            public double[] lossPair(EncoderInput batch, VirtualPerturbation p) {
              float[][] h = lora.forwardPair(batch, Workers.serial(), p);
              return new double[] {lossOf(h[0]), lossOf(h[1])};
            }
          };
      MezoTrainer.Builder<EncoderInput> builder =
          mode == 0
              ? MezoTrainer.virtualBuilder(virtual)
              : MezoTrainer.builder(
                  (params, batch) -> lossOf(lora.forward(batch, Workers.serial())));
      builder.eps(1e-2).optimizer(Optimizers.sgd(1e-3)).runSeed(99).workers(Workers.serial());
      ParameterSet before = adapters.copy();
      try (MezoTrainer<EncoderInput> t = builder.build(adapters)) {
        results[mode] = t.step(in);
      }
      assertFalse(adapters.contentEquals(before), "the step changed nothing");
      trained[mode] = adapters;
    }
    StepResult v = results[0];
    StepResult i = results[1];
    assertEquals(i.lossPlus()[0], v.lossPlus()[0], 0.0, "L+ is bit-identical");
    double g = i.grads()[0];
    assertTrue(Math.abs(g) > 1e-3, "a real gradient: " + g);
    assertEquals(g, v.grads()[0], 1e-3 * Math.abs(g), "projected gradients agree");
    for (Parameter p : trained[0]) {
      float[] a = p.toFloatArray();
      float[] b = trained[1].get(p.name()).toFloatArray();
      assertTrue(maxDiff(a, b) < 1e-5, p.name() + " differs by " + maxDiff(a, b));
    }
  }

  private static double lossOf(float[] hidden) {
    double s = 0;
    for (int i = 0; i < hidden.length; i++) {
      s += hidden[i] * ((i % 7) - 3);
    }
    return s * s * 1e-4;
  }

  @Test
  void adaptersCanBeTakenFromTensorsByName() {
    BertConfig c = TinyBert.bert();
    ParameterSet params = TinyBert.params(c, 5, "");
    BertEncoder fresh = BertEncoder.of(c, params).withLora(LoraConfig.DEFAULT, 3);
    randomize(fresh.adapterParameters(), 29);
    BertEncoder again = BertEncoder.of(c, params).withLora(LoraConfig.DEFAULT, fresh.parameters());
    assertSame(fresh.adapterParameters().list().get(0), again.adapterParameters().list().get(0));
    EncoderInput in = batch(c);
    assertArrayEquals(fresh.forward(in, Workers.serial()), again.forward(in, Workers.serial()));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                BertEncoder.of(c, params)
                    .withLora(new LoraConfig(8, 16, List.of(LoraTarget.KEY)), fresh.parameters()));
    assertTrue(
        e.getMessage().contains("encoder.layer.0.attention.self.key.lora_A.weight"),
        e.getMessage());
  }

  @Test
  void specsParseWithDefaultsAndRefuseBadParts() {
    assertEquals(LoraConfig.DEFAULT, LoraConfig.parse("lora"));
    assertEquals("lora:r=8:alpha=16:targets=query+value", LoraConfig.DEFAULT.spec());
    LoraConfig c = LoraConfig.parse("lora:targets=output+query+intermediate:alpha=2.5:r=4");
    assertEquals(4, c.rank());
    assertEquals(2.5, c.alpha());
    assertEquals(
        List.of(LoraTarget.QUERY, LoraTarget.INTERMEDIATE, LoraTarget.OUTPUT), c.targets());
    assertEquals(c, LoraConfig.parse(c.spec()));
    assertEquals(0.625f, c.scaling());
    assertTrue(LoraConfig.isSpec("lora:r=2"));
    assertFalse(LoraConfig.isSpec("loraX"));
    for (String bad :
        List.of(
            "lora:r=0",
            "lora:r=x",
            "lora:alpha=-1",
            "lora:alpha=NaN",
            "lora:targets=query+dense",
            "lora:targets=",
            "lora:rank=8",
            "lora:r=8:r=4",
            "lora:",
            "lora:r")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse(bad), bad);
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
    assertNotEquals(LoraConfig.parse("lora:r=4"), LoraConfig.DEFAULT);
  }
}
