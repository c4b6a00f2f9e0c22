package io.github.mezo4j.bench.cli;

import io.github.mezo4j.cli.Json;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times forward passes of our engine and of ONNX Runtime on the same input, the same thread count
 * (ONNX Runtime's intra-op threads = T, inter-op 1, default graph optimizations) and the same ONNX
 * file our weights are imported from: the numbers behind {@code mezo4j bench forward
 * --compare-onnxruntime}.
 *
 * <p>The two engines run <em>interleaved</em>: timed pass i of ours, then pass i of ONNX Runtime,
 * the order swapped on every pass. On a shared machine the load changes over seconds; interleaving
 * exposes both engines to the same load, so their ratio stays meaningful even when the absolute
 * times move. {@code speedup} = ONNX Runtime's median / ours (above 1: we are faster, i.e. more
 * tokens/s).
 *
 * <p>Before every timed pass the calling thread sleeps {@link #SETTLE_MS}: both engines keep their
 * idle worker threads spinning for a while after a pass (ONNX Runtime by default, mezo4j for {@code
 * mezo4j.spinMicros}), and without the pause one engine's spinning threads would take a core from
 * the other's next pass. Each engine keeps its default settings.
 */
final class ForwardComparison {
  private ForwardComparison() {}

  /**
   * Checks that both engines compute the same hidden states, times them interleaved, and returns
   * one JSON line.
   *
   * @param model the {@code --model} value, echoed in the output
   * @param onnx the ONNX file {@code encoder}'s weights come from
   * @param warmup untimed passes of each engine first
   * @param iterations timed passes of each engine
   * @throws IllegalStateException if ONNX Runtime's first output does not have our output's shape
   */
  static String run(
      BertEncoder encoder,
      String model,
      byte[] onnx,
      EncoderInput input,
      Workers workers,
      int warmup,
      int iterations,
      OnnxRuntimeService onnxRuntime) {
    int threads = workers.threads();
    try (OnnxRuntimeService.Session ort = onnxRuntime.open(onnx, input, threads)) {
      float[] ours = encoder.forward(input, workers);
      float[] theirs = ort.firstOutput();
      if (theirs.length != ours.length) {
        throw new IllegalStateException(
            "ONNX Runtime's first output has %d floats, expected the last hidden states [%d, %d, %d] = %d"
                .formatted(
                    theirs.length, input.batch(), input.seq(), encoder.hiddenSize(), ours.length));
      }
      double maxAbsDiff = StepBenchmark.maxAbsDiff(ours, theirs);
      VirtualPerturbation none = VirtualPerturbation.none();
      Runnable ourPass =
          () -> {
            encoder.forwardInto(input, workers, none, ours);
            check(ours);
          };
      double[][] t = interleaved(ourPass, ort::run, warmup, iterations);
      return json(model, onnxRuntime.version(), input, threads, iterations, t, maxAbsDiff);
    }
  }

  /** Pause before each timed pass, longer than either engine's idle spinning. */
  static final long SETTLE_MS = 50;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /**
   * Times {@code a} and {@code b} alternately ({@code a} first on even passes): wall ms of each,
   * then the calling thread's CPU ms of each (all of the work when both run on one thread).
   */
  static double[][] interleaved(Runnable a, Runnable b, int warmup, int iterations) {
    for (int i = 0; i < warmup; i++) {
      a.run();
      b.run();
    }
    double[][] t = new double[4][iterations];
    for (int i = 0; i < iterations; i++) {
      if (i % 2 == 0) {
        time(a, t[0], t[2], i);
        time(b, t[1], t[3], i);
      } else {
        time(b, t[1], t[3], i);
        time(a, t[0], t[2], i);
      }
    }
    return t;
  }

  private static void time(Runnable r, double[] wall, double[] cpu, int i) {
    settle();
    long cpuStart = THREADS.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    r.run();
    wall[i] = (System.nanoTime() - start) / 1e6;
    cpu[i] = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e6;
  }

  private static void settle() {
    try {
      Thread.sleep(SETTLE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while timing the forward passes", e);
    }
  }

  private static String json(
      String model,
      String engine,
      EncoderInput input,
      int threads,
      int iterations,
      double[][] t,
      double maxAbsDiff) {
    double[] ours = t[0];
    double[] ort = t[1];
    double ourMedian = StepBenchmark.median(ours);
    double ortMedian = StepBenchmark.median(ort);
    double ourMin = Arrays.stream(ours).min().orElseThrow();
    double ortMin = Arrays.stream(ort).min().orElseThrow();
    double tokens = (double) input.batch() * input.seq();
    String line =
        String.format(
            Locale.ROOT,
            "{\"model\":%s,\"onnxruntime\":%s,\"batch\":%d,\"seq\":%d,\"threads\":%d,\"iters\":%d,"
                + "\"median_ms\":%.3f,\"onnxruntime_median_ms\":%.3f,"
                + "\"min_ms\":%.3f,\"onnxruntime_min_ms\":%.3f,"
                + "\"tokens_per_s\":%.1f,\"onnxruntime_tokens_per_s\":%.1f,"
                + "\"speedup\":%.3f,\"speedup_min\":%.3f,\"max_abs_diff\":%.3g,\"settle_ms\":%d",
            Json.string(model),
            Json.string(engine),
            input.batch(),
            input.seq(),
            threads,
            iterations,
            ourMedian,
            ortMedian,
            ourMin,
            ortMin,
            tokens / (ourMedian / 1000),
            tokens / (ortMedian / 1000),
            ortMedian / ourMedian,
            ortMin / ourMin,
            maxAbsDiff,
            SETTLE_MS);
    if (threads == 1) {
      // One thread: both engines run entirely on the calling thread (ORT's intra-op pool is the
      // caller alone), so its CPU time is each engine's whole cost, whatever else loads the
      // machine.
      double ourCpu = StepBenchmark.median(t[2]);
      double ortCpu = StepBenchmark.median(t[3]);
      line +=
          String.format(
              Locale.ROOT,
              ",\"cpu_median_ms\":%.3f,\"onnxruntime_cpu_median_ms\":%.3f,\"speedup_cpu\":%.3f",
              ourCpu,
              ortCpu,
              ortCpu / ourCpu);
    }
    return line + "}";
  }

  private static void check(float[] hidden) {
    if (!Float.isFinite(hidden[0])) {
      throw new IllegalStateException("forward pass produced " + hidden[0]);
    }
  }
}
