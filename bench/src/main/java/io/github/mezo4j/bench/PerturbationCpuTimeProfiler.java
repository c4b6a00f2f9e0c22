package io.github.mezo4j.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * JMH profiler reporting the benchmark JVM's CPU time per operation ({@code cpu.time/op}, in µs),
 * all threads together. On a machine shared with other busy processes, wall-clock time mostly
 * measures how much of a core the benchmark was given; CPU time per operation is the cost of the
 * work itself and stays comparable between benchmarks of one run. Enable with {@code -prof
 * io.github.mezo4j.bench.PerturbationCpuTimeProfiler}.
 */
public final class PerturbationCpuTimeProfiler implements InternalProfiler {
  private final OperatingSystemMXBean os =
      ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
  private long cpuAtStart;

  @Override
  public String getDescription() {
    return "process CPU time per operation (all threads)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    cpuAtStart = os.getProcessCpuTime();
  }

  @Override
  @SuppressWarnings("rawtypes") // JMH's InternalProfiler declares the raw Result type
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long cpuNanos = os.getProcessCpuTime() - cpuAtStart;
    long ops = Math.max(1, result.getMetadata().getMeasuredOps());
    return List.of(
        new ScalarResult("cpu.time/op", cpuNanos / 1e3 / ops, "us/op", AggregationPolicy.AVG));
  }
}
