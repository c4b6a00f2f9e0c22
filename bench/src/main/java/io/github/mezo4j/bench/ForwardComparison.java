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
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Times one all-MiniLM-L6-v2 forward pass in our engine and in ONNX Runtime on the same random
 * input (fixed seed, no padding), the same thread count (ORT intra-op threads = T, inter-op 1) and
 * the same statistics ({@link ForwardBenchmark#time}), so the two lines are directly comparable.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.ForwardComparison [batch=8] [seq=128] [threads=1,2] [warmup=3] [iterations=10]
 * </pre>
 */
public final class ForwardComparison {
  private ForwardComparison() {}

  /** Arguments as {@code key=value}; see the class comment for keys and defaults. */
  public static void main(String[] args) throws Exception {
    int batch = 8;
    int seq = 128;
    List<Integer> threads = List.of(1, 2);
    int warmup = 3;
    int iterations = 10;
    long seed = 42;
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
      }
      switch (kv[0]) {
        case "batch" -> batch = Integer.parseInt(kv[1]);
        case "seq" -> seq = Integer.parseInt(kv[1]);
        case "threads" -> threads = parseList(kv[1]);
        case "warmup" -> warmup = Integer.parseInt(kv[1]);
        case "iterations" -> iterations = Integer.parseInt(kv[1]);
        case "seed" -> seed = Long.parseLong(kv[1]);
        default ->
            throw new IllegalArgumentException(
                "unknown key '%s'; expected batch, seq, threads, warmup, iterations or seed"
                    .formatted(kv[0]));
      }
    }

    BertCheckpoint minilm = MiniLm.load();
    BertEncoder encoder = BertEncoder.of(minilm.config(), minilm.parameters());
    byte[] onnx = MiniLm.onnxBytes();
    EncoderInput input =
        ForwardBenchmark.randomInput(
            seed, batch, seq, minilm.config().vocabSize(), minilm.config().padTokenId());
    System.out.printf(
        "all-MiniLM-L6-v2 forward, batch=%d seq=%d, %d warm-up + %d timed runs, %s%n",
        batch, seq, warmup, iterations, Runtime.version());
    for (int t : threads) {
      ForwardBenchmark.Result ours;
      try (Workers workers = Workers.of(t)) {
        ours = ForwardBenchmark.run(encoder, batch, seq, warmup, iterations, seed, workers);
      }
      ForwardBenchmark.Result ort = timeOrt(onnx, input, t, warmup, iterations);
      System.out.println("mezo4j       " + ours.summary());
      System.out.println("onnxruntime  " + ort.summary());
      System.out.printf(
          "ratio (ours / ORT median) at %d thread(s): %.2f%n", t, ours.medianMs() / ort.medianMs());
    }
  }

  /** ONNX Runtime on {@code input} with {@code threads} intra-op threads, default optimisations. */
  static ForwardBenchmark.Result timeOrt(
      byte[] onnx, EncoderInput input, int threads, int warmup, int iterations)
      throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {input.batch(), input.seq()};
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      try (OrtSession session = env.createSession(onnx, options);
          OnnxTensor ids = OnnxTensor.createTensor(env, longs(input.inputIds()), shape);
          OnnxTensor mask = OnnxTensor.createTensor(env, longs(input.attentionMask()), shape);
          OnnxTensor types = OnnxTensor.createTensor(env, longs(input.tokenTypeIds()), shape)) {
        Map<String, OnnxTensor> feed =
            Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types);
        return ForwardBenchmark.time(
            () -> {
              try (OrtSession.Result r = session.run(feed)) {
                if (r.size() == 0) {
                  throw new IllegalStateException("ONNX Runtime returned no output");
                }
              } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
              }
            },
            warmup,
            iterations,
            input.batch(),
            input.seq(),
            threads);
      }
    }
  }

  private static LongBuffer longs(int[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return LongBuffer.wrap(out);
  }

  private static List<Integer> parseList(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return List.copyOf(out);
  }
}
