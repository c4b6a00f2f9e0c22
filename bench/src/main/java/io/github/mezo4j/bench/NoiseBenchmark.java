package io.github.mezo4j.bench;

import io.github.mezo4j.core.noise.GaussianNoise;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Noise generation throughput, one thread: normals per second ({@code ops/s} = normals/s) of the
 * scalar reference path and the Vector API path, filling a 64K-float buffer (stays in L2, so this
 * measures compute, not memory).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx1g"})
public class NoiseBenchmark {
  private static final int N = 1 << 16;
  private final float[] buffer = new float[N];
  private long seed;

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] scalar() {
    GaussianNoise.fillScalar(seed++, 42, 0, buffer, 0, N);
    return buffer;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] vector() {
    GaussianNoise.fill(seed++, 42, 0, buffer, 0, N);
    return buffer;
  }
}
