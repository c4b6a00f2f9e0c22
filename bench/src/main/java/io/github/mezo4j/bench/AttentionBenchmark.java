package io.github.mezo4j.bench;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.kernels.Attention;
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
 * The attention kernel at the forward comparison's shapes of all-MiniLM-L6-v2 (12 heads of 32):
 * {@code shape} is batch x seq. With {@code padded}, every second sequence has only its first
 * {@code seq * 5 / 8} tokens real (a right-padded batch); otherwise no padding. Without padding one
 * call does {@code 4 * batch * 12 * seq^2 * 32} flops.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g", "-XX:+UseParallelGC"})
public class AttentionBenchmark {
  static final int HEADS = 12;
  static final int HEAD_DIM = 32;

  @Param({"16x128", "64x32", "1x128"})
  public String shape;

  @Param({"false"})
  public boolean padded;

  @Param({"1"})
  public int threads;

  private Workers workers;
  private int batch;
  private int seq;
  private float[] q;
  private float[] k;
  private float[] v;
  private int[] mask;
  private float[] context;

  @Setup(Level.Trial)
  public void setUp() {
    String[] parts = shape.split("x", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("shape must be BATCHxSEQ, got " + shape);
    }
    batch = Integer.parseInt(parts[0]);
    seq = Integer.parseInt(parts[1]);
    int size = batch * seq * HEADS * HEAD_DIM;
    SplittableRandom random = new SplittableRandom(5);
    q = MatMulBenchmark.uniform(random, size);
    k = MatMulBenchmark.uniform(random, size);
    v = MatMulBenchmark.uniform(random, size);
    mask = new int[batch * seq];
    for (int b = 0; b < batch; b++) {
      int real = padded && b % 2 == 1 ? seq * 5 / 8 : seq;
      Arrays.fill(mask, b * seq, b * seq + real, 1);
    }
    context = new float[size];
    workers = Workers.of(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    workers.close();
  }

  @Benchmark
  public float[] attention() {
    Attention.apply(workers, q, k, v, batch, seq, HEADS, HEAD_DIM, mask, context);
    return context;
  }
}
