package io.github.mezo4j.nn.io.onnx;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One ONNX {@code NodeProto}: an operator applied to named values.
 *
 * @param name the node's optional name (exporters usually write the module path, e.g. {@code
 *     /encoder/layer.0/attention/self/query/MatMul})
 * @param opType the operator, e.g. {@code MatMul}
 * @param domain the operator set domain; empty for the default ONNX domain
 * @param inputs names of the values consumed, in operator order (empty string = omitted input)
 * @param outputs names of the values produced
 * @param attributes attributes by name
 */
public record OnnxNode(
    String name,
    String opType,
    String domain,
    List<String> inputs,
    List<String> outputs,
    Map<String, OnnxAttribute> attributes) {

  /** Copies the lists and the map (unmodifiable). */
  public OnnxNode {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    attributes = Map.copyOf(attributes);
  }

  /** The attribute called {@code attributeName}, if present. */
  public Optional<OnnxAttribute> attribute(String attributeName) {
    return Optional.ofNullable(attributes.get(attributeName));
  }

  /** The input at {@code index}, or "" if the node has fewer inputs. */
  public String input(int index) {
    return index < inputs.size() ? inputs.get(index) : "";
  }

  /** The output at {@code index}, or "" if the node has fewer outputs. */
  public String output(int index) {
    return index < outputs.size() ? outputs.get(index) : "";
  }
}
