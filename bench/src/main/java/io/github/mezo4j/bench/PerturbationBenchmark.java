package io.github.mezo4j.bench;

import io.github.mezo4j.core.noise.GaussianNoise;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
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
 * One MeZO perturbation pass over 25M f32 parameters ({@code theta += eps * z}, in place), against
 * a plain copy of an equally large array in the same run, so that the pass can be read as a
 * fraction of memory bandwidth. Sample mode: each pass is timed (ms per pass), so medians and
 * minima can be read besides the mean; GB/s = 25M * 8 bytes / time (each element is read once and
 * written once).
 *
 * <ul>
 *   <li>{@code perturbFused}: the library pass ({@link Perturbation#addScaledNoise(Parameter, long,
 *       float, Workers)}): noise generated in registers and applied with one fma.
 *   <li>{@code perturbViaTile}: the same arithmetic written the textbook way, noise filled into a 4
 *       KB tile per step and then applied: shows what the register fusion saves.
 *   <li>{@code arraycopy}: {@code System.arraycopy} in the same chunks as the pass.
 * </ul>
 *
 * <p>Command, results and their reading: docs/performance.md (add {@code -prof
 * io.github.mezo4j.bench.PerturbationCpuTimeProfiler} for CPU time per operation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class PerturbationBenchmark {
  /** Parameters per pass: a 25M-parameter model (e.g. a small BERT). */
  public static final int SIZE = 25_000_000;

  private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

  @Param({"1", "2"})
  public int threads;

  private Workers workers;
  private Parameter parameter;
  private float[] source;
  private float[] target;
  private long seed;

  @Setup(Level.Trial)
  public void setUp() {
    workers = Workers.of(threads);
    float[] data = new float[SIZE];
    GaussianNoise.fill(1, 2, 0, data, 0, SIZE);
    for (int i = 0; i < SIZE; i++) {
      data[i] *= 0.02f;
    }
    parameter = Parameter.f32("bench.weight", new int[] {SIZE}, data);
    source = data.clone();
    target = new float[SIZE];
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    workers.close();
  }

  @Benchmark
  public Parameter perturbFused() {
    // Alternating signs keep the weights bounded over many passes.
    float eps = (seed & 1) == 0 ? 1e-3f : -1e-3f;
    Perturbation.addScaledNoise(parameter, seed++ >>> 1, eps, workers);
    return parameter;
  }

  @Benchmark
  public float[] perturbViaTile() {
    float eps = (seed & 1) == 0 ? 1e-3f : -1e-3f;
    long s = seed++ >>> 1;
    float[] data = parameter.f32Data();
    long stream = parameter.id();
    FloatVector epsV = FloatVector.broadcast(FS, eps);
    int chunk = Perturbation.CHUNK;
    workers.parallelFor(
        (SIZE + chunk - 1) / chunk,
        task -> {
          float[] tile = new float[1024];
          int end = Math.min(SIZE, (task + 1) * chunk);
          for (int from = task * chunk; from < end; from += tile.length) {
            int n = Math.min(tile.length, end - from);
            GaussianNoise.fill(s, stream, from, tile, 0, n);
            int j = 0;
            for (int upper = FS.loopBound(n); j < upper; j += FS.length()) {
              FloatVector.fromArray(FS, tile, j)
                  .fma(epsV, FloatVector.fromArray(FS, data, from + j))
                  .intoArray(data, from + j);
            }
            for (; j < n; j++) {
              data[from + j] = Math.fma(eps, tile[j], data[from + j]);
            }
          }
        });
    return data;
  }

  @Benchmark
  public float[] arraycopy() {
    int chunk = Perturbation.CHUNK;
    workers.parallelFor(
        (SIZE + chunk - 1) / chunk,
        task -> {
          int from = task * chunk;
          System.arraycopy(source, from, target, from, Math.min(chunk, SIZE - from));
        });
    return target;
  }
}
