package io.github.mezo4j.bench;

import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import java.util.Arrays;

/**
 * Times forward passes: random token ids from a fixed seed, warm-up runs, then N timed runs
 * reported as median / min / max milliseconds and tokens per second (at the median). The same
 * {@link #time} statistics serve any engine; {@code mezo4j bench forward --compare-onnxruntime}
 * times our engine and ONNX Runtime interleaved, on {@link EncoderInput#random}.
 *
 * <p>Inputs are full-length (no padding) so that every engine does the same work.
 *
 * <p>Warm up generously ({@link #DEFAULT_WARMUP}): Vector API code is only fast once the JIT has
 * compiled it, and a loop compiled on one thread (on-stack replacement) still runs interpreted when
 * a worker thread first enters it; with 3 warm-up runs a 2-thread MiniLM forward measured as slow
 * as 1 thread.
 */
public final class ForwardBenchmark {
  private ForwardBenchmark() {}

  /** Warm-up runs that reach steady state for all-MiniLM-L6-v2 at batch 8, seq 128. */
  public static final int DEFAULT_WARMUP = 10;

  /** Timed runs: enough for a stable median. */
  public static final int DEFAULT_ITERATIONS = 20;

  /**
   * Timing statistics of one benchmark.
   *
   * @param batch sequences per forward pass
   * @param seq tokens per sequence
   * @param threads worker threads used
   * @param iterations timed runs
   * @param medianMs median wall time of one forward pass
   * @param minMs fastest run
   * @param maxMs slowest run
   * @param tokensPerSecond {@code batch * seq / median}
   */
  public record Result(
      int batch,
      int seq,
      int threads,
      int iterations,
      double medianMs,
      double minMs,
      double maxMs,
      double tokensPerSecond) {

    /** One line: {@code batch=8 seq=128 threads=1 median=... ms ...}. */
    public String summary() {
      return "batch=%d seq=%d threads=%d iterations=%d median=%.2f ms min=%.2f ms max=%.2f ms tokens/s=%.0f"
          .formatted(batch, seq, threads, iterations, medianMs, minMs, maxMs, tokensPerSecond);
    }
  }

  /**
   * Benchmarks {@code encoder.forwardInto} (into one reused buffer) on {@link EncoderInput#random}
   * of the given shape.
   *
   * @param warmup untimed runs first (JIT compilation, page faults)
   * @param iterations timed runs (>= 1)
   */
  public static Result run(
      BertEncoder encoder,
      int batch,
      int seq,
      int warmup,
      int iterations,
      long seed,
      Workers workers) {
    BertConfig c = encoder.config();
    EncoderInput input = EncoderInput.random(seed, batch, seq, c.vocabSize(), c.padTokenId());
    // one output buffer for all passes: the timing covers the computation, not an allocation
    float[] out = encoder.outputBuffer(null, input);
    VirtualPerturbation none = VirtualPerturbation.none();
    Result r =
        time(
            () -> encoder.forwardInto(input, workers, none, out),
            warmup,
            iterations,
            batch,
            seq,
            workers.threads());
    if (!Float.isFinite(out[0])) {
      throw new IllegalStateException("forward pass produced " + out[0]);
    }
    return r;
  }

  /**
   * Runs {@code body} {@code warmup} times untimed, then {@code iterations} times timed, and
   * reports the statistics for a {@code [batch, seq]} input on {@code threads} threads.
   */
  public static Result time(
      Runnable body, int warmup, int iterations, int batch, int seq, int threads) {
    if (warmup < 0 || iterations < 1) {
      throw new IllegalArgumentException(
          "need warmup >= 0 and iterations >= 1, got %d and %d".formatted(warmup, iterations));
    }
    for (int i = 0; i < warmup; i++) {
      body.run();
    }
    double[] ms = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      body.run();
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(ms);
    double median =
        iterations % 2 == 1
            ? ms[iterations / 2]
            : (ms[iterations / 2 - 1] + ms[iterations / 2]) / 2;
    double tokensPerSecond = (double) batch * seq / (median / 1000);
    return new Result(
        batch, seq, threads, iterations, median, ms[0], ms[iterations - 1], tokensPerSecond);
  }
}
