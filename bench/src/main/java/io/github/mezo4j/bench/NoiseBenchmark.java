package io.github.mezo4j.bench;

import io.github.mezo4j.core.noise.GaussianNoise;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Noise generation speed, one thread: time per normal of the scalar reference path and of the
 * Vector API path, filling a 64K-float buffer (stays in L2, so this measures compute, not memory).
 * Sample mode: every call is timed, so the median and the minimum can be read besides the mean (the
 * minimum is the least disturbed by other processes on a shared machine). normals/s = 1e9 / (ns per
 * normal).
 *
 * <p>Command, results and their reading: docs/performance.md (add {@code -prof
 * io.github.mezo4j.bench.PerturbationCpuTimeProfiler} for CPU time per operation).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx1g"})
public class NoiseBenchmark {
  /** Normals per call. */
  public static final int N = 1 << 16;

  private final float[] buffer = new float[N];
  private long seed;

  @Benchmark
  public float[] scalar() {
    GaussianNoise.fillScalar(seed++, 42, 0, buffer, 0, N);
    return buffer;
  }

  @Benchmark
  public float[] vector() {
    GaussianNoise.fill(seed++, 42, 0, buffer, 0, N);
    return buffer;
  }
}
