package io.github.mezo4j.bench.cli;

import io.github.mezo4j.nn.model.EncoderInput;

/**
 * ONNX Runtime as {@code mezo4j bench forward --compare-onnxruntime} drives it: opens a session on
 * an ONNX encoder graph and runs it on a fixed input. {@link
 * io.github.mezo4j.bench.OnnxRuntimeSessions} is the implementation; tests put a stand-in in its
 * place.
 */
public interface OnnxRuntimeService {

  /** The runtime and its version as the comparison's output names it, e.g. "onnxruntime 1.29.0". */
  String version();

  /**
   * A session of the ONNX model {@code onnx} with its own defaults for graph optimization, {@code
   * threads} intra-op threads, one inter-op thread and sequential execution, fed {@code input}'s
   * token ids, attention mask and token type ids (those the graph declares as inputs {@code
   * input_ids}, {@code attention_mask}, {@code token_type_ids}) as int64 {@code [batch, seq]}
   * tensors.
   *
   * @throws IllegalArgumentException if ONNX Runtime rejects the model or the inputs, with its
   *     message
   */
  Session open(byte[] onnx, EncoderInput input, int threads);

  /** An open session with its input bound: run it as often as needed, close it once. */
  interface Session extends AutoCloseable {
    /** One forward pass on the bound input; the outputs are computed and released. */
    void run();

    /** One forward pass returning the graph's first output (the last hidden states) flattened. */
    float[] firstOutput();

    /** Releases the session and its input tensors. */
    @Override
    void close();
  }
}
