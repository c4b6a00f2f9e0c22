package io.github.mezo4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.GaussianNoise;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused update pass against a naive per-element reference in double precision (z generated one
 * element at a time), on a parameter spanning several chunks so state offsets matter.
 */
class ZoUpdaterTest {
  static final int BIG = 2 * ZoUpdater.CHUNK + 1234;

  static ParameterSet params() {
    SplittableRandom r = new SplittableRandom(3);
    float[] w = new float[BIG];
    for (int i = 0; i < BIG; i++) {
      w[i] = (float) r.nextGaussian();
    }
    return ParameterSet.of(
        Parameter.f32("layer.weight", new int[] {BIG / 2, 2}, w.clone()),
        Parameter.f32("layer.bias", new int[] {5}, new float[] {1, -1, 2, -2, 0.5f}),
        Parameter.f32("ln_1.weight", new int[] {7, 1}, new float[] {1, 1, 1, 1, 1, 1, 1}));
  }

  /** Reference state for Adam + weight decay + lr, element by element, in double. */
  static final class Reference {
    final double[][] theta;
    final double[][] m;
    final double[][] v;
    final long[] ids;

    Reference(ParameterSet p) {
      int n = p.count();
      theta = new double[n][];
      m = new double[n][];
      v = new double[n][];
      ids = new long[n];
      for (int i = 0; i < n; i++) {
        Parameter q = p.list().get(i);
        float[] f = q.toFloatArray();
        theta[i] = new double[f.length];
        for (int j = 0; j < f.length; j++) {
          theta[i][j] = f[j];
        }
        m[i] = new double[f.length];
        v[i] = new double[f.length];
        ids[i] = q.id();
      }
    }

    void adamwStep(
        long[] seeds, double[] g, double restore, long t, double lr, double wd, boolean[] decay) {
      double b1 = 0.9, b2 = 0.999, eps = 1e-8;
      for (int i = 0; i < theta.length; i++) {
        for (int j = 0; j < theta[i].length; j++) {
          double u = 0;
          for (int k = 0; k < seeds.length; k++) {
            double z = GaussianNoise.normal(seeds[k], ids[i], j);
            u += g[k] / seeds.length * z;
            if (k == seeds.length - 1) {
              theta[i][j] += restore * z;
            }
          }
          m[i][j] = b1 * m[i][j] + (1 - b1) * u;
          v[i][j] = b2 * v[i][j] + (1 - b2) * u * u;
          double mh = m[i][j] / (1 - Math.pow(b1, t + 1));
          double vh = v[i][j] / (1 - Math.pow(b2, t + 1));
          double upd = mh / (Math.sqrt(vh) + eps);
          if (decay[i]) {
            upd += wd * theta[i][j];
          }
          theta[i][j] -= lr * upd;
        }
      }
    }
  }

  @Test
  void adamwPassMatchesTheNaiveReference() {
    ParameterSet p = params();
    Reference ref = new Reference(p);
    double lr = 0.01;
    double wd = 0.1;
    ZoUpdater up;
    try (Workers w = Workers.of(3)) {
      up = new ZoUpdater(Optimizers.adamw(Schedule.constant(lr), wd), p);
      assertEquals(8L * p.elementCount(), up.stateBytes());
      boolean[] decay = {true, false, false}; // biases and norm weights are skipped
      double[][] grads = {{0.7, -1.3}, {2.0, 0.1}, {-0.4, -0.9}};
      for (int t = 0; t < 3; t++) {
        long[] seeds = {100 + t, 200 + t};
        float restore = t == 1 ? 1e-3f : 0f;
        up.update(seeds, grads[t], restore, w);
        ref.adamwStep(seeds, grads[t], restore, t, lr, wd, decay);
      }
    }
    assertEquals(3, up.count());
    double worst = 0;
    for (int i = 0; i < p.count(); i++) {
      float[] got = p.list().get(i).toFloatArray();
      for (int j = 0; j < got.length; j++) {
        double err = Math.abs(got[j] - ref.theta[i][j]);
        worst = Math.max(worst, err / (1e-3 + Math.abs(ref.theta[i][j])));
      }
    }
    // f32 kernel vs double reference: a few f32 roundings of values ~1 plus Adam's division
    assertTrue(worst < 1e-5, "worst relative error " + worst);
  }

  @Test
  void momentumAndSignMatchTheReference() {
    ParameterSet p = params();
    float[] w0 = p.get("layer.weight").toFloatArray();
    long id = p.get("layer.weight").id();
    ZoUpdater mom = new ZoUpdater(Optimizers.sgdMomentum(Schedule.constant(0.1), 0.5), p);
    assertEquals(4L * p.elementCount(), mom.stateBytes());
    mom.update(new long[] {1}, new double[] {2.0}, 0f, Workers.serial());
    mom.update(new long[] {2}, new double[] {-1.0}, 0f, Workers.serial());
    float[] w = p.get("layer.weight").toFloatArray();
    for (int j = 0; j < BIG; j += 997) {
      double m1 = 2.0 * GaussianNoise.normal(1, id, j);
      double m2 = 0.5 * m1 - GaussianNoise.normal(2, id, j);
      assertEquals(w0[j] - 0.1 * m1 - 0.1 * m2, w[j], 1e-5, "momentum element " + j);
    }

    ParameterSet q = params();
    ZoUpdater sign = new ZoUpdater(Optimizers.signSgd(Schedule.constant(0.01)), q);
    assertEquals(0, sign.stateBytes());
    sign.update(new long[] {5}, new double[] {-3.0}, 0f, Workers.serial());
    float[] s = q.get("layer.weight").toFloatArray();
    for (int j = 0; j < BIG; j += 997) {
      double expected = w0[j] - 0.01 * Math.signum(-3.0 * GaussianNoise.normal(5, id, j));
      assertEquals(expected, s[j], 1e-6, "sign element " + j);
    }
  }

  @Test
  void weightDecaySkipsBiasesAndNormsByDefault() {
    ParameterSet p = params();
    ParameterSet before = p.copy();
    ZoUpdater up =
        new ZoUpdater(
            Optimizers.chain(
                Optimizers.weightDecay(0.5),
                Optimizers.scaleByLearningRate(Schedule.constant(0.1))),
            p);
    assertEquals(0, up.stateBytes());
    up.update(new long[] {9}, new double[] {0.0}, 0f, Workers.serial()); // decay only
    assertTrue(before.get("layer.bias").contentEquals(p.get("layer.bias")));
    assertTrue(before.get("ln_1.weight").contentEquals(p.get("ln_1.weight")));
    float[] a = before.get("layer.weight").toFloatArray();
    float[] b = p.get("layer.weight").toFloatArray();
    for (int j = 0; j < BIG; j += 101) {
      assertEquals(a[j] * (1 - 0.05), b[j], 1e-6);
    }
  }

  @Test
  void bf16ParametersRoundOnceOnStore() {
    ParameterSet p =
        ParameterSet.of(Parameter.of("w", DType.BF16, new int[] {3}, new float[] {1, 2, 3}));
    ZoUpdater up = new ZoUpdater(Optimizers.sgd(0.5), p);
    up.update(new long[] {4}, new double[] {1.0}, 0f, Workers.serial());
    long id = p.get("w").id();
    for (int j = 0; j < 3; j++) {
      float exact = (float) (j + 1 - 0.5 * GaussianNoise.normal(4, id, j));
      float rounded =
          io.github.mezo4j.core.param.BFloat16.toFloat(
              io.github.mezo4j.core.param.BFloat16.fromFloat(exact));
      assertEquals(rounded, p.get("w").get(j));
    }
  }

  /**
   * theta + (((z * g) * f_1) * f_2 ...) per element, in the order the general chunk path rounds (u
   * = c z, each transform's multiply, then the sum), with z from the scalar reference.
   */
  static float[] sgdReference(float[] theta, long seed, long id, float g, float... factors) {
    float[] z = new float[theta.length];
    GaussianNoise.fillScalar(seed, id, 0, z, 0, z.length);
    float[] out = new float[theta.length];
    for (int j = 0; j < theta.length; j++) {
      float u = g * z[j];
      for (float f : factors) {
        u *= f;
      }
      out[j] = theta[j] + u;
    }
    return out;
  }

  @Test
  void scalingOnlyUpdatesStoreTheBitsOfTheGeneralPath() {
    // SGD (one factor), a scale before the learning rate (two: still the single-pass path) and
    // three scalings (too many for it: the general chunk path). All three must give the same bits
    // as the per-element definition, on 1 and 3 threads.
    double lr = 0.03;
    ZoTransform[] transforms = {
      Optimizers.sgd(lr),
      Optimizers.chain(
          Optimizers.scale(0.7), Optimizers.scaleByLearningRate(Schedule.constant(lr))),
      Optimizers.chain(
          Optimizers.scale(0.7),
          Optimizers.scale(-1.3),
          Optimizers.scaleByLearningRate(Schedule.constant(lr)))
    };
    float[][] factors = {
      {(float) -lr}, {0.7f, (float) -lr}, {0.7f, -1.3f, (float) -lr},
    };
    for (int threads : new int[] {1, 3}) {
      for (int c = 0; c < transforms.length; c++) {
        ParameterSet p = params();
        ParameterSet before = p.copy();
        try (Workers w = Workers.of(threads)) {
          new ZoUpdater(transforms[c], p).update(new long[] {77}, new double[] {1.7}, 0f, w);
        }
        for (Parameter q : p) {
          float[] expected =
              sgdReference(
                  before.get(q.name()).toFloatArray(), 77, q.id(), (float) 1.7, factors[c]);
          float[] got = q.toFloatArray();
          for (int j = 0; j < got.length; j++) {
            if (Float.floatToRawIntBits(expected[j]) != Float.floatToRawIntBits(got[j])) {
              throw new AssertionError(
                  "%s, %d threads, %s[%d]: expected %s, got %s"
                      .formatted(transforms[c].spec(), threads, q.name(), j, expected[j], got[j]));
            }
          }
        }
      }
    }
  }

  @Test
  void singlePassAppliesOnlyToPlainSteps() {
    float[] g = {0.5f};
    long[] one = {1};
    ZoTransform sgd = Optimizers.sgd(0.1);
    assertEquals(2, ZoUpdater.fusedFactors(sgd, one, g, 0f, 1f, 0).length);
    // two seeds, a restore, a reapply factor, or a transform that does more than scale: no
    assertEquals(null, ZoUpdater.fusedFactors(sgd, new long[] {1, 2}, new float[2], 0f, 1f, 0));
    assertEquals(null, ZoUpdater.fusedFactors(sgd, one, g, 1e-3f, 1f, 0));
    assertEquals(null, ZoUpdater.fusedFactors(sgd, one, g, 0f, -2f, 0));
    assertEquals(
        null,
        ZoUpdater.fusedFactors(Optimizers.signSgd(Schedule.constant(0.1)), one, g, 0f, 1f, 0));
    assertEquals(
        null,
        ZoUpdater.fusedFactors(
            Optimizers.chain(Optimizers.weightDecay(0.1), sgd), one, g, 0f, 1f, 0));
    // the learning rate is the schedule's value at this update, negated
    float[] f =
        ZoUpdater.fusedFactors(
            Optimizers.sgd(Schedule.linearDecay(0.1, 0.0, 10)), one, g, 0f, 1f, 5);
    assertEquals(0.5f, f[0]);
    assertEquals((float) -Schedule.linearDecay(0.1, 0.0, 10).value(5), f[1]);
  }

  @Test
  void checksComeBeforeAnyWrite() {
    ParameterSet p = params();
    ParameterSet before = p.copy();
    ZoUpdater up = new ZoUpdater(Optimizers.sgd(0.1), p);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> up.update(new long[] {1}, new double[] {Double.NaN}, 0f, Workers.serial()));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> up.update(new long[] {1, 2}, new double[] {1}, 0f, Workers.serial()));
    assertTrue(before.contentEquals(p));
    assertEquals(0, up.count());
    ZoUpdater stateful = new ZoUpdater(Optimizers.adam(Schedule.constant(0.1)), p);
    stateful.update(new long[] {1}, new double[] {1}, 0f, Workers.serial());
    assertThrows(
        IllegalStateException.class,
        () -> stateful.reapply(new long[] {1}, new double[] {1}, -2f, Workers.serial()));
  }
}
