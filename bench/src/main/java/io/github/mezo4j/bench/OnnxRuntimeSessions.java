package io.github.mezo4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mezo4j.bench.cli.OnnxRuntimeService;
import io.github.mezo4j.nn.model.EncoderInput;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime (the CPU provider of the {@code com.microsoft.onnxruntime:onnxruntime} jar) for
 * {@code mezo4j bench forward --compare-onnxruntime}. Sessions keep ONNX Runtime's default graph
 * optimizations and use T intra-op threads, one inter-op thread, sequential execution.
 */
public final class OnnxRuntimeSessions implements OnnxRuntimeService {
  /** ONNX Runtime's CPU provider. */
  public OnnxRuntimeSessions() {}

  @Override
  public String version() {
    return "onnxruntime " + environment().getVersion();
  }

  @Override
  public Session open(byte[] onnx, EncoderInput input, int threads) {
    try {
      return new OrtRunner(environment(), onnx, input, threads);
    } catch (OrtException e) {
      throw new IllegalArgumentException("ONNX Runtime rejected the model: " + e.getMessage(), e);
    }
  }

  private static OrtEnvironment environment() {
    try {
      return OrtEnvironment.getEnvironment();
    } catch (LinkageError e) {
      // the native library did not load (another platform, a missing system library)
      throw new IllegalStateException(
          "ONNX Runtime's native library failed to load: " + e.getMessage(), e);
    }
  }

  /** One ONNX Runtime session on one input. */
  private static final class OrtRunner implements Session {
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final List<OnnxTensor> tensors = new ArrayList<>();
    private final Map<String, OnnxTensor> feed = new HashMap<>();

    OrtRunner(OrtEnvironment env, byte[] onnx, EncoderInput input, int threads)
        throws OrtException {
      options = new OrtSession.SessionOptions();
      try {
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        session = env.createSession(onnx, options);
      } catch (OrtException | RuntimeException e) {
        options.close();
        throw e;
      }
      try {
        long[] shape = {input.batch(), input.seq()};
        // feed what the graph declares: RoBERTa-style exports have no token_type_ids
        Map<String, int[]> available =
            Map.of(
                "input_ids", input.inputIds(),
                "attention_mask", input.attentionMask(),
                "token_type_ids", input.tokenTypeIds());
        for (String name : session.getInputNames()) {
          int[] values = available.get(name);
          if (values == null) {
            throw new IllegalArgumentException(
                "the ONNX graph has an input '%s'; expected only %s"
                    .formatted(name, available.keySet()));
          }
          OnnxTensor t = OnnxTensor.createTensor(env, longs(values), shape);
          tensors.add(t);
          feed.put(name, t);
        }
      } catch (OrtException | RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public void run() {
      try (OrtSession.Result r = session.run(feed)) {
        if (r.size() == 0) {
          throw new IllegalStateException("ONNX Runtime returned no output");
        }
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
      }
    }

    @Override
    public float[] firstOutput() {
      try (OrtSession.Result r = session.run(feed)) {
        OnnxValue first = r.get(0);
        FloatBuffer b = first instanceof OnnxTensor t ? t.getFloatBuffer() : null;
        if (b == null) {
          throw new IllegalStateException(
              "ONNX Runtime's first output is not a float tensor: " + first.getInfo());
        }
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      try {
        for (OnnxTensor t : tensors) {
          t.close();
        }
        session.close();
      } catch (OrtException e) {
        throw new IllegalStateException("closing the ONNX Runtime session failed", e);
      } finally {
        options.close();
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
}
