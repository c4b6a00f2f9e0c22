package io.github.mezo4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.ForwardBenchmark;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times all-MiniLM-L6-v2 forward passes in our engine and in ONNX Runtime on the same random input
 * (fixed seed, no padding), the same thread count (ORT intra-op threads = T, inter-op 1, default
 * graph optimizations) and the same ONNX file our weights are imported from; prints one JSON line
 * per (shape, thread count).
 *
 * <p>The two engines run <em>interleaved</em>: timed pass i of ours, then pass i of ORT, the order
 * swapped on every pass. On a shared machine the load changes over seconds; interleaving exposes
 * both engines to the same load, so their ratio stays meaningful even when the absolute times move.
 * {@code speedup} = ORT median / our median (above 1: we are faster, i.e. more tokens/s).
 *
 * <p>Lives in the bench module, not in the {@code mezo4j} CLI, because ONNX Runtime's jar (54 MB of
 * native libraries for every platform) would more than double the CLI's default jar.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp bench/target/benchmarks.jar io.github.mezo4j.bench.ForwardComparison \
 *     [shapes=16x128,1x128,64x32 | batch=16 seq=128] [threads=1,2] [warmup=10] [iterations=20] [seed=42]
 * </pre>
 */
public final class ForwardComparison {
  private ForwardComparison() {}

  /** Arguments as {@code key=value}; see the class comment for keys and defaults. */
  public static void main(String[] args) throws Exception {
    List<int[]> shapes = List.of(new int[] {16, 128});
    int batch = -1;
    int seq = -1;
    List<Integer> threads = List.of(2);
    int warmup = ForwardBenchmark.DEFAULT_WARMUP;
    int iterations = ForwardBenchmark.DEFAULT_ITERATIONS;
    long seed = 42;
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
      }
      switch (kv[0]) {
        case "shapes" -> shapes = parseShapes(kv[1]);
        case "batch" -> batch = Integer.parseInt(kv[1]);
        case "seq" -> seq = Integer.parseInt(kv[1]);
        case "threads" -> threads = parseList(kv[1]);
        case "warmup" -> warmup = Integer.parseInt(kv[1]);
        case "iterations" -> iterations = Integer.parseInt(kv[1]);
        case "seed" -> seed = Long.parseLong(kv[1]);
        default ->
            throw new IllegalArgumentException(
                "unknown key '%s'; expected shapes, batch, seq, threads, warmup, iterations or seed"
                    .formatted(kv[0]));
      }
    }
    if (batch > 0 || seq > 0) {
      // batch=B seq=L (the older form) means the one shape BxL; a missing half defaults to 16x128
      shapes = List.of(new int[] {batch > 0 ? batch : 16, seq > 0 ? seq : 128});
    }
    if (warmup < 0 || iterations < 1) {
      throw new IllegalArgumentException("need warmup >= 0 and iterations >= 1");
    }

    BertCheckpoint minilm = MiniLm.load();
    BertEncoder encoder = BertEncoder.of(minilm.config(), minilm.parameters());
    byte[] onnx = MiniLm.onnxBytes();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (int[] shape : shapes) {
      EncoderInput input =
          ForwardBenchmark.randomInput(
              seed, shape[0], shape[1], minilm.config().vocabSize(), minilm.config().padTokenId());
      for (int t : threads) {
        try (Workers workers = Workers.of(t);
            OrtRunner ort = new OrtRunner(env, onnx, input, t)) {
          Runnable ours = () -> check(encoder.forward(input, workers));
          double[][] ms = interleaved(ours, ort::run, warmup, iterations);
          System.out.println(json(shape, t, iterations, ms));
        }
      }
    }
  }

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
    long cpuStart = THREADS.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    r.run();
    wall[i] = (System.nanoTime() - start) / 1e6;
    cpu[i] = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e6;
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static String json(int[] shape, int threads, int iterations, double[][] t) {
    double[] ours = t[0];
    double[] ort = t[1];
    double ourMedian = median(ours);
    double ortMedian = median(ort);
    double ourMin = Arrays.stream(ours).min().orElseThrow();
    double ortMin = Arrays.stream(ort).min().orElseThrow();
    double tokens = (double) shape[0] * shape[1];
    String line =
        String.format(
            Locale.ROOT,
            "{\"model\":\"all-MiniLM-L6-v2\",\"batch\":%d,\"seq\":%d,\"threads\":%d,\"iters\":%d,"
                + "\"median_ms\":%.3f,\"onnxruntime_median_ms\":%.3f,"
                + "\"min_ms\":%.3f,\"onnxruntime_min_ms\":%.3f,"
                + "\"tokens_per_s\":%.1f,\"onnxruntime_tokens_per_s\":%.1f,"
                + "\"speedup\":%.3f,\"speedup_min\":%.3f",
            shape[0],
            shape[1],
            threads,
            iterations,
            ourMedian,
            ortMedian,
            ourMin,
            ortMin,
            tokens / (ourMedian / 1000),
            tokens / (ortMedian / 1000),
            ortMedian / ourMedian,
            ortMin / ourMin);
    if (threads == 1) {
      // One thread: both engines run entirely on the calling thread (ORT's intra-op pool is the
      // caller alone), so its CPU time is each engine's whole cost, whatever else loads the
      // machine.
      double ourCpu = median(t[2]);
      double ortCpu = median(t[3]);
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

  /** One ONNX Runtime session on one input: T intra-op threads, default optimizations. */
  static final class OrtRunner implements AutoCloseable {
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final List<OnnxTensor> tensors = new ArrayList<>();
    private final Map<String, OnnxTensor> feed;

    OrtRunner(OrtEnvironment env, byte[] onnx, EncoderInput input, int threads)
        throws OrtException {
      long[] shape = {input.batch(), input.seq()};
      options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      session = env.createSession(onnx, options);
      OnnxTensor ids = add(OnnxTensor.createTensor(env, longs(input.inputIds()), shape));
      OnnxTensor mask = add(OnnxTensor.createTensor(env, longs(input.attentionMask()), shape));
      OnnxTensor types = add(OnnxTensor.createTensor(env, longs(input.tokenTypeIds()), shape));
      feed = Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types);
    }

    private OnnxTensor add(OnnxTensor t) {
      tensors.add(t);
      return t;
    }

    void run() {
      try (OrtSession.Result r = session.run(feed)) {
        if (r.size() == 0) {
          throw new IllegalStateException("ONNX Runtime returned no output");
        }
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() throws OrtException {
      for (OnnxTensor t : tensors) {
        t.close();
      }
      session.close();
      options.close();
    }
  }

  private static LongBuffer longs(int[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return LongBuffer.wrap(out);
  }

  private static List<int[]> parseShapes(String csv) {
    List<int[]> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      String[] bs = s.trim().split("x");
      if (bs.length != 2) {
        throw new IllegalArgumentException("shape '" + s + "' is not BATCHxSEQ, e.g. 16x128");
      }
      out.add(new int[] {Integer.parseInt(bs[0]), Integer.parseInt(bs[1])});
    }
    return List.copyOf(out);
  }

  private static List<Integer> parseList(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return List.copyOf(out);
  }
}
