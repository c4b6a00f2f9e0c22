package io.github.mezo4j.bench;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.kernels.MatMul;
import io.github.mezo4j.nn.kernels.Weights;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The dense layers of all-MiniLM-L6-v2 at batch 16 x 128 tokens ({@code m = 2048}): {@code [m, k] @
 * [n, k]^T} for (k, n) = (384, 384) (attention projections), (384, 1536) (intermediate), (1536,
 * 384) (output), against the machine's peak measured in the same run: {@link #peakFma}, a loop of
 * independent vector FMAs on registers only (12 accumulators, enough to cover the FMA latency), run
 * on every thread.
 *
 * <p>Efficiency = (2 m k n / time of {@code linear}) / ({@link #PEAK_FLOPS_PER_THREAD} * threads /
 * time of {@code peakFma}); with the CPU-time profiler the same ratio can be taken from {@code
 * cpu.time/op}, which is what stays meaningful when other processes take the cores. {@code
 * linearPerturbed} reads the weight with noise ({@link Weights#withNoise}), the MeZO case: the
 * difference to {@code linear} is the cost of generating {@code n k} normals once per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g", "-XX:+UseParallelGC"})
public class MatMulBenchmark {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  /** Iterations of the peak loop per thread; each does 12 vector FMAs. */
  public static final int PEAK_ITERATIONS = 1 << 20;

  /** Floating-point operations of {@link #peakFma} per thread: 2 per lane per FMA. */
  public static final long PEAK_FLOPS_PER_THREAD = (long) PEAK_ITERATIONS * 12 * S.length() * 2;

  /** {@code m x k x n}. */
  @Param({"2048x384x384", "2048x384x1536", "2048x1536x384"})
  public String shape;

  @Param({"1", "2"})
  public int threads;

  private Workers workers;
  private int m;
  private int k;
  private int n;
  private float[] x;
  private Weights weight;
  private Weights noisy;
  private float[] bias;
  private float[] out;
  private float[] sink;

  @Setup(Level.Trial)
  public void setUp() {
    String[] dims = shape.split("x");
    m = Integer.parseInt(dims[0]);
    k = Integer.parseInt(dims[1]);
    n = Integer.parseInt(dims[2]);
    SplittableRandom random = new SplittableRandom(1);
    x = uniform(random, m * k);
    weight = Weights.f32(uniform(random, n * k), n, k);
    noisy = weight.withNoise(7, 11, 1e-3f);
    bias = uniform(random, n);
    out = new float[m * n];
    sink = new float[threads];
    workers = Workers.of(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    workers.close();
  }

  @Benchmark
  public float[] linear() {
    MatMul.linear(workers, x, m, k, weight, bias, n, out);
    return out;
  }

  @Benchmark
  public float[] linearPerturbed() {
    MatMul.linear(workers, x, m, k, noisy, bias, n, out);
    return out;
  }

  /** {@link #PEAK_FLOPS_PER_THREAD} on each of the {@code threads} threads. */
  @Benchmark
  public float[] peakFma() {
    workers.parallelFor(threads, t -> sink[t] = fmaLoop(PEAK_ITERATIONS, t));
    return sink;
  }

  static float fmaLoop(int iterations, int salt) {
    FloatVector a = FloatVector.broadcast(S, 1.0000001f);
    FloatVector b = FloatVector.broadcast(S, 1e-7f * salt);
    FloatVector c0 = FloatVector.zero(S);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    FloatVector c4 = c0;
    FloatVector c5 = c0;
    FloatVector c6 = c0;
    FloatVector c7 = c0;
    FloatVector c8 = c0;
    FloatVector c9 = c0;
    FloatVector c10 = c0;
    FloatVector c11 = c0;
    for (int i = 0; i < iterations; i++) {
      c0 = c0.fma(a, b);
      c1 = c1.fma(a, b);
      c2 = c2.fma(a, b);
      c3 = c3.fma(a, b);
      c4 = c4.fma(a, b);
      c5 = c5.fma(a, b);
      c6 = c6.fma(a, b);
      c7 = c7.fma(a, b);
      c8 = c8.fma(a, b);
      c9 = c9.fma(a, b);
      c10 = c10.fma(a, b);
      c11 = c11.fma(a, b);
    }
    FloatVector sum =
        c0.add(c1)
            .add(c2)
            .add(c3)
            .add(c4)
            .add(c5)
            .add(c6)
            .add(c7)
            .add(c8)
            .add(c9)
            .add(c10)
            .add(c11);
    return sum.lane(0);
  }

  static float[] uniform(SplittableRandom random, int length) {
    float[] a = new float[length];
    for (int i = 0; i < length; i++) {
      a[i] = (float) (2 * random.nextDouble() - 1);
    }
    return a;
  }
}
