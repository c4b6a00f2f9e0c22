package io.github.mezo4j.nn.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/**
 * ONNX Runtime running an encoder's ONNX file: the reference our engine is checked against. Feeds
 * {@code input_ids}, {@code attention_mask} and {@code token_type_ids} as int64 {@code [batch,
 * seq]} and returns {@code last_hidden_state}.
 */
final class OrtReference implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  OrtReference(byte[] model, int threads) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      session = env.createSession(model, options);
    }
  }

  /** The bytes of a classpath resource (the ONNX file inside the MiniLM resource jar). */
  static byte[] resource(String name) {
    try (InputStream in = OrtReference.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("classpath resource '" + name + "' not found");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code last_hidden_state} {@code [batch, seq, hidden]} row-major. */
  float[] lastHiddenState(EncoderInput in) throws OrtException {
    long[] shape = {in.batch(), in.seq()};
    try (OnnxTensor ids = tensor(in.inputIds(), shape);
        OnnxTensor mask = tensor(in.attentionMask(), shape);
        OnnxTensor types = tensor(in.tokenTypeIds(), shape);
        OrtSession.Result result =
            session.run(
                Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
      OnnxTensor out = (OnnxTensor) result.get("last_hidden_state").orElseThrow();
      FloatBuffer fb = out.getFloatBuffer();
      float[] hidden = new float[fb.remaining()];
      fb.get(hidden);
      return hidden;
    }
  }

  private OnnxTensor tensor(int[] values, long[] shape) throws OrtException {
    long[] longs = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      longs[i] = values[i];
    }
    return OnnxTensor.createTensor(env, LongBuffer.wrap(longs), shape);
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
