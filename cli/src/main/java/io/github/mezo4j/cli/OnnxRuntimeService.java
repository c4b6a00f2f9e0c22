package io.github.mezo4j.cli;

import io.github.mezo4j.nn.model.EncoderInput;
import java.util.ServiceLoader;

/**
 * ONNX Runtime as {@code mezo4j bench forward --compare-onnxruntime} drives it: opens a session on
 * an ONNX encoder graph and runs it on a fixed input.
 *
 * <p>A service ({@link ServiceLoader}) rather than a dependency, so that ONNX Runtime's jar (54 MB
 * of native libraries for every platform) stays out of {@code mezo4j.jar}. The bench module
 * implements it ({@code io.github.mezo4j.bench.OnnxRuntimeSessions}) and its {@code
 * bench/target/benchmarks.jar} carries the command, ONNX Runtime and that implementation; {@code
 * bin/mezo4j} runs from that jar when {@code --compare-onnxruntime} is given. To provide another
 * build, implement this interface and list the class in {@code
 * META-INF/services/io.github.mezo4j.cli.OnnxRuntimeService}.
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
