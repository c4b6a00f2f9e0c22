package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.mezo.Mezo;
import io.github.mezo4j.core.mezo.Objective;
import io.github.mezo4j.core.noise.GaussianNoise;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MeZO drives the real encoder: perturbing its parameters in place changes the loss, perturbing
 * back restores it up to core's stated rounding bound, and one MeZO-SGD step lowers the loss.
 */
class MiniLmMezoTest {
  private static final float EPS = 1e-3f;
  private static final long SEED = 2023;
  private static ParameterSet params;
  private static SentenceEmbedder embedder;
  private static EncoderInput batch;
  private static float[] targets;

  /** Mean squared error between normalised mean-pooled embeddings and fixed random targets. */
  private static final Objective<EncoderInput> LOSS =
      (p, in) -> {
        float[] e = embedder.embed(in, Workers.serial());
        double sum = 0;
        for (int i = 0; i < e.length; i++) {
          double d = e[i] - targets[i];
          sum += d * d;
        }
        return sum / e.length;
      };

  @BeforeAll
  static void setUp() throws Exception {
    List<String> sentences = Sst2Sentences.devIfPresent(4);
    if (sentences == null) {
      return; // every test skips, naming the folder
    }
    var checkpoint = MiniLmFixture.checkpoint();
    // A private copy: this test writes to the weights.
    ParameterSet copy = checkpoint.parameters().copy();
    BertEncoder encoder = BertEncoder.of(checkpoint.config(), copy);
    params = encoder.parameters();
    embedder = new SentenceEmbedder(encoder, SentencePooling.MEAN, true);
    batch = MiniLmFixture.batch(sentences);
    SplittableRandom r = new SplittableRandom(7);
    targets = new float[batch.batch() * encoder.hiddenSize()];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = (float) (r.nextGaussian() / Math.sqrt(encoder.hiddenSize()));
    }
  }

  @BeforeEach
  void requireData() {
    assumeTrue(batch != null, Sst2Sentences.missingMessage());
  }

  @Test
  void perturbingChangesTheLossAndPerturbingBackRestoresIt() {
    ParameterSet before = params.copy();
    double l0 = LOSS.loss(params, batch);
    Perturbation.addScaledNoise(params, SEED, EPS, Workers.serial());
    double lPlus = LOSS.loss(params, batch);
    Perturbation.addScaledNoise(params, SEED, -EPS, Workers.serial());
    double lBack = LOSS.loss(params, batch);
    System.out.printf("MiniLM MeZO: L0=%.9f L(+eps z)=%.9f L(restored)=%.9f%n", l0, lPlus, lBack);
    assertNotEquals(l0, lPlus, "the perturbation reached the encoder");
    // Two in-place passes round at most twice per element: |d| <= 2u(|theta| + eps|z|).
    assertWithinDrift(before, params, 2);
    assertTrue(
        Math.abs(lBack - l0) <= 1e-3 * Math.abs(lPlus - l0),
        "restored loss %s vs %s (perturbed %s)".formatted(lBack, l0, lPlus));
  }

  @Test
  void mezoGradRestoresWeightsAndOneSgdStepLowersTheLoss() {
    ParameterSet before = params.copy();
    double l0 = LOSS.loss(params, batch);
    double g = Mezo.grad(LOSS).apply(params, EPS, SEED, batch, Workers.serial());
    assertTrue(Double.isFinite(g) && g != 0, "projected gradient " + g);
    assertWithinDrift(before, params, 3); // Mezo's stated bound: +eps, -2 eps, +eps
    // theta -= lr g z changes the loss by about -lr g^2 < 0: a small step must go downhill.
    double lr = 1e-4 / Math.abs(g);
    Mezo.applyUpdates(params, lr * g, SEED, Workers.serial());
    double l1 = LOSS.loss(params, batch);
    System.out.printf(
        "MiniLM MeZO: g=%.6g, loss %.9f -> %.9f after one step (predicted change %.3g)%n",
        g, l0, l1, -lr * g * g);
    assertTrue(l1 < l0, "loss went from %s to %s".formatted(l0, l1));
    // ... and by about that much: the two-point estimate is the directional derivative along z.
    double ratio = (l1 - l0) / (-lr * g * g);
    assertTrue(ratio > 0.5 && ratio < 1.5, "actual / predicted loss change = " + ratio);
  }

  /** Every element within {@code passes * u * (|theta| + eps |z|)}, u = 2^-24 (f32). */
  private static void assertWithinDrift(ParameterSet before, ParameterSet after, int passes) {
    float u = 0x1p-24f;
    for (Parameter p : before) {
      float[] a = p.f32Data();
      float[] b = after.get(p.name()).f32Data();
      float[] z = new float[a.length];
      GaussianNoise.fill(SEED, p.id(), 0, z, 0, a.length);
      for (int i = 0; i < a.length; i++) {
        double bound = passes * u * (Math.abs(a[i]) + EPS * Math.abs(z[i]));
        if (Math.abs(b[i] - a[i]) > bound) {
          throw new AssertionError(
              "%s[%d] drifted from %s to %s (bound %s)".formatted(p.name(), i, a[i], b[i], bound));
        }
      }
    }
  }
}
