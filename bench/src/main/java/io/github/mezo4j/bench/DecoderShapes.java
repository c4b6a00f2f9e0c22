package io.github.mezo4j.bench;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.kernels.MatMul;
import io.github.mezo4j.nn.kernels.Weights;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One dense layer of a decoder's shape, alone: {@code x[m, k] @ W[n, k]^T} with f32 weights, bf16
 * weights, bf16 weights read through MeZO noise, and both signs of a MeZO pair in one call. Best of
 * six calls each, one JSON line per variant, on two threads.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.DecoderShapes 64 4096 11008
 * </pre>
 */
public final class DecoderShapes {
  private DecoderShapes() {}

  /** Arguments: m k n. */
  public static void main(String[] args) {
    int m = Integer.parseInt(args[0]);
    int k = Integer.parseInt(args[1]);
    int n = Integer.parseInt(args[2]);
    SplittableRandom r = new SplittableRandom(1);
    float[] x = new float[m * k];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] values = new float[n * k];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (r.nextGaussian() * 0.02);
    }
    Parameter f32 = Parameter.f32("w", new int[] {n, k}, values);
    Parameter bf16 = Parameter.of("w", DType.BF16, new int[] {n, k}, values);
    float[] out = new float[m * n];
    float[] outMinus = new float[m * n];
    try (Workers w = Workers.of(2)) {
      for (String variant : List.of("f32", "bf16", "bf16+noise", "bf16 pair+noise")) {
        Parameter p = variant.equals("f32") ? f32 : bf16;
        VirtualPerturbation vp =
            variant.contains("noise")
                ? new VirtualPerturbation(ParameterSet.of(List.of(p)), 3, 1e-3f)
                : VirtualPerturbation.none();
        Weights view = Weights.of(p, vp);
        boolean pair = variant.contains("pair");
        double best = Double.MAX_VALUE;
        for (int it = 0; it < 6; it++) {
          long t0 = System.nanoTime();
          if (pair) {
            MatMul.linearPair(w, x, x, m, k, view, null, null, n, out, outMinus);
          } else {
            MatMul.linear(w, x, m, k, view, null, n, out);
          }
          best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        double flop = 2.0 * m * n * k * (pair ? 2 : 1);
        System.out.printf(
            Locale.ROOT,
            "{\"variant\":\"%s\",\"m\":%d,\"k\":%d,\"n\":%d,\"best_ms\":%.1f,\"gflops\":%.1f}%n",
            variant,
            m,
            k,
            n,
            best * 1e3,
            flop / best / 1e9);
      }
    }
  }
}
