package io.github.mezo4j.bench;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.kernels.Activations;
import io.github.mezo4j.nn.kernels.Attention;
import io.github.mezo4j.nn.kernels.LayerNorm;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * The non-matmul kernels of one all-MiniLM-L6-v2 layer at batch 16 x 128 tokens: attention (12
 * heads of 32, no padding), layer norm over {@code [2048, 384]}, exact-erf GELU over {@code [2048,
 * 1536]} (the unfused kernel; the encoder fuses it into the intermediate matmul's stores).
 * Attention does {@code 4 * batch * heads * seq^2 * headDim} flops (scores and weighted values).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g", "-XX:+UseParallelGC"})
public class KernelBenchmark {
  static final int BATCH = 16;
  static final int SEQ = 128;
  static final int HEADS = 12;
  static final int HEAD_DIM = 32;
  static final int HIDDEN = HEADS * HEAD_DIM;
  static final int INTERMEDIATE = 1536;
  static final int TOKENS = BATCH * SEQ;

  @Param({"1", "2"})
  public int threads;

  private Workers workers;
  private float[] q;
  private float[] k;
  private float[] v;
  private int[] mask;
  private float[] context;
  private float[] hidden;
  private float[] gamma;
  private float[] beta;
  private float[] normed;
  private float[] intermediate;
  private float[] activated;

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(3);
    q = MatMulBenchmark.uniform(random, TOKENS * HIDDEN);
    k = MatMulBenchmark.uniform(random, TOKENS * HIDDEN);
    v = MatMulBenchmark.uniform(random, TOKENS * HIDDEN);
    mask = new int[TOKENS];
    Arrays.fill(mask, 1);
    context = new float[TOKENS * HIDDEN];
    hidden = MatMulBenchmark.uniform(random, TOKENS * HIDDEN);
    gamma = MatMulBenchmark.uniform(random, HIDDEN);
    beta = MatMulBenchmark.uniform(random, HIDDEN);
    normed = new float[TOKENS * HIDDEN];
    intermediate = MatMulBenchmark.uniform(random, TOKENS * INTERMEDIATE);
    for (int i = 0; i < intermediate.length; i++) {
      intermediate[i] *= 4;
    }
    activated = new float[intermediate.length];
    workers = Workers.of(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    workers.close();
  }

  @Benchmark
  public float[] attention() {
    Attention.apply(workers, q, k, v, BATCH, SEQ, HEADS, HEAD_DIM, mask, context);
    return context;
  }

  @Benchmark
  public float[] layerNorm() {
    LayerNorm.apply(workers, hidden, TOKENS, HIDDEN, gamma, beta, 1e-12f, normed);
    return normed;
  }

  @Benchmark
  public float[] gelu() {
    System.arraycopy(intermediate, 0, activated, 0, activated.length);
    Activations.geluInPlace(workers, activated, activated.length);
    return activated;
  }
}
