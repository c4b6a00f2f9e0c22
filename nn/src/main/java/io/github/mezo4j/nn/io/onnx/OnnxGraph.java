package io.github.mezo4j.nn.io.onnx;

import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.onnx.ProtoReader.IntList;
import io.github.mezo4j.nn.io.onnx.ProtoReader.LongList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The main graph of an ONNX model, decoded straight from the protobuf bytes without an ONNX
 * library: nodes, initializers and the graph's input and output names, plus the producer/consumer
 * indexes needed to follow the data flow.
 *
 * <p>Field numbers follow onnx.proto: ModelProto {ir_version=1, producer_name=2, graph=7};
 * GraphProto {node=1, name=2, initializer=5, input=11, output=12, sparse_initializer=15}; NodeProto
 * {input=1, output=2, name=3, op_type=4, attribute=5, domain=7}; AttributeProto {name=1, f=2, i=3,
 * s=4, t=5, floats=7, ints=8, type=20}; TensorProto {dims=1, data_type=2, segment=3, float_data=4,
 * int32_data=5, int64_data=7, name=8, raw_data=9, double_data=10, external_data=13,
 * data_location=14}; ValueInfoProto {name=1}.
 *
 * <p>Tensors stored outside the file (external data), split into segments, or sparse initializers
 * are rejected with a {@link ModelFormatException}: a model that loads is a model that is complete.
 */
public final class OnnxGraph {
  private final String source;
  private final long irVersion;
  private final String producerName;
  private final List<OnnxNode> nodes;
  private final Map<String, OnnxTensor> initializers;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, OnnxNode> producers = new HashMap<>();
  private final Map<String, List<OnnxNode>> consumers = new HashMap<>();

  private OnnxGraph(
      String source,
      long irVersion,
      String producerName,
      List<OnnxNode> nodes,
      Map<String, OnnxTensor> initializers,
      List<String> inputs,
      List<String> outputs)
      throws ModelFormatException {
    this.source = source;
    this.irVersion = irVersion;
    this.producerName = producerName;
    this.nodes = List.copyOf(nodes);
    this.initializers = Collections.unmodifiableMap(initializers);
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    for (OnnxNode node : nodes) {
      for (String out : node.outputs()) {
        if (out.isEmpty()) {
          continue;
        }
        OnnxNode previous = producers.putIfAbsent(out, node);
        if (previous != null || initializers.containsKey(out)) {
          throw new ModelFormatException(
              source,
              "value '%s' is produced twice (node '%s' and %s)"
                  .formatted(
                      out,
                      node.name(),
                      previous != null ? "node '" + previous.name() + "'" : "an initializer"));
        }
      }
      for (String in : node.inputs()) {
        if (!in.isEmpty()) {
          consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(node);
        }
      }
    }
  }

  /**
   * Decodes an ONNX model file's bytes. {@code source} (a file name or classpath resource) names
   * the model in error messages.
   *
   * @throws ModelFormatException for a truncated or corrupt file, external or sparse data, or a
   *     missing graph, naming {@code source} and the field or tensor
   */
  public static OnnxGraph parse(byte[] model, String source) throws ModelFormatException {
    ProtoReader reader = new ProtoReader(model, 0, model.length, source);
    long irVersion = 0;
    String producerName = "";
    ProtoReader graph = null;
    while (reader.hasMore()) {
      int tag = reader.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> {
          reader.expectWire(tag, ProtoReader.VARINT);
          irVersion = reader.readVarint();
        }
        case 2 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          producerName = reader.readString();
        }
        case 7 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          if (graph != null) {
            throw new ModelFormatException(source, "ModelProto holds more than one graph");
          }
          graph = reader.readMessage();
        }
        default -> reader.skip(tag);
      }
    }
    if (graph == null) {
      throw new ModelFormatException(
          source, "no graph (ModelProto field 7): not an ONNX model, or an empty file");
    }
    return parseGraph(graph, source, irVersion, producerName);
  }

  private static OnnxGraph parseGraph(
      ProtoReader reader, String source, long irVersion, String producerName)
      throws ModelFormatException {
    List<OnnxNode> nodes = new ArrayList<>();
    Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    while (reader.hasMore()) {
      int tag = reader.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          nodes.add(parseNode(reader.readMessage(), source, nodes.size()));
        }
        case 5 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          int index = initializers.size();
          OnnxTensor t;
          try {
            t = parseTensor(reader.readMessage(), source);
          } catch (ModelFormatException e) {
            throw new ModelFormatException(
                source, "initializer #%d: %s".formatted(index, e.detail()), e);
          }
          if (t.name().isEmpty()) {
            throw new ModelFormatException(source, "initializer #%d has no name".formatted(index));
          }
          if (initializers.putIfAbsent(t.name(), t) != null) {
            throw new ModelFormatException(
                source, "duplicate initializer name '%s'".formatted(t.name()));
          }
        }
        case 11 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          inputs.add(parseValueInfoName(reader.readMessage()));
        }
        case 12 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          outputs.add(parseValueInfoName(reader.readMessage()));
        }
        case 15 ->
            throw new ModelFormatException(
                source, "sparse initializers (GraphProto field 15) are not supported");
        default -> reader.skip(tag);
      }
    }
    return new OnnxGraph(source, irVersion, producerName, nodes, initializers, inputs, outputs);
  }

  private static String parseValueInfoName(ProtoReader reader) throws ModelFormatException {
    String name = "";
    while (reader.hasMore()) {
      int tag = reader.readTag();
      if (ProtoReader.field(tag) == 1) {
        reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
        name = reader.readString();
      } else {
        reader.skip(tag);
      }
    }
    return name;
  }

  private static OnnxNode parseNode(ProtoReader reader, String source, int index)
      throws ModelFormatException {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String name = "";
    String opType = "";
    String domain = "";
    Map<String, OnnxAttribute> attributes = new HashMap<>();
    try {
      while (reader.hasMore()) {
        int tag = reader.readTag();
        int field = ProtoReader.field(tag);
        if (field == 1 || field == 2 || field == 3 || field == 4 || field == 7 || field == 5) {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
        }
        switch (field) {
          case 1 -> inputs.add(reader.readString());
          case 2 -> outputs.add(reader.readString());
          case 3 -> name = reader.readString();
          case 4 -> opType = reader.readString();
          case 7 -> domain = reader.readString();
          case 5 -> {
            OnnxAttribute a = parseAttribute(reader.readMessage(), source);
            attributes.put(a.name(), a);
          }
          default -> reader.skip(tag);
        }
      }
    } catch (ModelFormatException e) {
      throw new ModelFormatException(
          source, "node #%d '%s': %s".formatted(index, name, e.detail()), e);
    }
    return new OnnxNode(name, opType, domain, inputs, outputs, attributes);
  }

  private static OnnxAttribute parseAttribute(ProtoReader reader, String source)
      throws ModelFormatException {
    String name = "";
    int type = 0;
    float f = 0;
    long i = 0;
    String s = "";
    OnnxTensor t = null;
    IntList floats = new IntList();
    LongList ints = new LongList();
    while (reader.hasMore()) {
      int tag = reader.readTag();
      switch (ProtoReader.field(tag)) {
        case 1 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          name = reader.readString();
        }
        case 2 -> {
          reader.expectWire(tag, ProtoReader.FIXED32);
          f = Float.intBitsToFloat(reader.readFixed32());
        }
        case 3 -> {
          reader.expectWire(tag, ProtoReader.VARINT);
          i = reader.readVarint();
        }
        case 4 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          s = reader.readString();
        }
        case 5 -> {
          reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
          t = parseTensor(reader.readMessage(), source);
        }
        case 7 -> reader.readRepeatedFixed32(tag, floats);
        case 8 -> reader.readRepeatedVarint(tag, ints);
        case 20 -> {
          reader.expectWire(tag, ProtoReader.VARINT);
          type = (int) reader.readVarint();
        }
        default -> reader.skip(tag);
      }
    }
    int[] floatBits = floats.toArray();
    float[] floatValues = new float[floatBits.length];
    for (int k = 0; k < floatBits.length; k++) {
      floatValues[k] = Float.intBitsToFloat(floatBits[k]);
    }
    return new OnnxAttribute(name, type, f, i, s, t, floatValues, ints.toArray());
  }

  private static OnnxTensor parseTensor(ProtoReader reader, String source)
      throws ModelFormatException {
    LongList dims = new LongList();
    int dataType = 0;
    String name = "";
    IntList floatData = new IntList();
    LongList integerData = new LongList();
    LongList doubleData = new LongList();
    int rawOffset = -1;
    int rawLength = 0;
    boolean external = false;
    try {
      while (reader.hasMore()) {
        int tag = reader.readTag();
        switch (ProtoReader.field(tag)) {
          case 1 -> reader.readRepeatedVarint(tag, dims);
          case 2 -> {
            reader.expectWire(tag, ProtoReader.VARINT);
            dataType = (int) reader.readVarint();
          }
          case 3 -> throw reader.error(reader.position(), "segmented tensors are not supported");
          case 4 -> reader.readRepeatedFixed32(tag, floatData);
          // int32_data is `repeated int32`: varints, sign-extended to 64 bits when negative
          case 5, 7 -> reader.readRepeatedVarint(tag, integerData);
          case 8 -> {
            reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
            name = reader.readString();
          }
          case 9 -> {
            reader.expectWire(tag, ProtoReader.LENGTH_DELIMITED);
            rawOffset = reader.readLengthDelimited();
            rawLength = reader.position() - rawOffset;
          }
          case 10 -> reader.readRepeatedFixed64(tag, doubleData);
          case 13 -> {
            external = true;
            reader.skip(tag);
          }
          case 14 -> {
            reader.expectWire(tag, ProtoReader.VARINT);
            external |= reader.readVarint() == 1; // DataLocation.EXTERNAL
          }
          default -> reader.skip(tag);
        }
      }
    } catch (ModelFormatException e) {
      throw new ModelFormatException(
          source, "tensor '%s': %s".formatted(name.isEmpty() ? "?" : name, e.detail()), e);
    }
    if (external) {
      throw new ModelFormatException(
          source,
          ("tensor '%s' keeps its data in an external file, which is not supported: save the"
                  + " model with all tensors embedded (onnx.save_model(...,"
                  + " save_as_external_data=False))")
              .formatted(name));
    }
    return new OnnxTensor(
        source,
        name,
        dataType,
        dims.toArray(),
        rawOffset >= 0 ? reader.bytes() : null,
        Math.max(rawOffset, 0),
        rawLength,
        floatData.toArray(),
        integerData.toArray(),
        doubleData.toArray());
  }

  /** The file or resource this graph was read from (used in error messages). */
  public String source() {
    return source;
  }

  /** ModelProto.ir_version. */
  public long irVersion() {
    return irVersion;
  }

  /** ModelProto.producer_name, e.g. {@code pytorch}. */
  public String producerName() {
    return producerName;
  }

  /** Nodes in file order (topologically sorted, per the ONNX spec). */
  public List<OnnxNode> nodes() {
    return nodes;
  }

  /** Initializers by name, in file order. */
  public Map<String, OnnxTensor> initializers() {
    return initializers;
  }

  /** Names of the graph inputs (may include initializers in old IR versions). */
  public List<String> inputs() {
    return inputs;
  }

  /** Names of the graph outputs. */
  public List<String> outputs() {
    return outputs;
  }

  /** The node that produces {@code value}, if any (initializers and graph inputs have none). */
  public Optional<OnnxNode> producer(String value) {
    return Optional.ofNullable(producers.get(value));
  }

  /** The nodes that consume {@code value}, in graph order. */
  public List<OnnxNode> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  /**
   * The constant behind {@code value}: an initializer of that name, or the {@code value} attribute
   * of the {@code Constant} node producing it.
   */
  public Optional<OnnxTensor> constant(String value) {
    OnnxTensor init = initializers.get(value);
    if (init != null) {
      return Optional.of(init);
    }
    OnnxNode node = producers.get(value);
    if (node != null && node.opType().equals("Constant")) {
      OnnxAttribute a = node.attributes().get("value");
      if (a != null && a.t() != null) {
        return Optional.of(a.t());
      }
    }
    return Optional.empty();
  }
}
