package io.github.mezo4j.nn.io.onnx;

import static io.github.mezo4j.nn.io.onnx.ProtoWriter.floatTensor;
import static io.github.mezo4j.nn.io.onnx.ProtoWriter.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.TokenizerJson;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OnnxExport} on a hand-built graph: one linear layer y = x W^T + b, its weight an anonymous
 * MatMul operand [in=3, out=2], its bias a named initializer.
 */
class OnnxExportTest {
  private static final String WEIGHT = "encoder.layer.0.output.dense.weight";
  private static final String BIAS = "encoder.layer.0.output.dense.bias";
  private static final String MATMUL = "onnx::MatMul_7";

  /** The graph, its bias stored as {@code biasType} (FLOAT or FLOAT16) in raw_data. */
  private static byte[] linear(int biasType, boolean biasFollowsMatMul) {
    ProtoWriter graph = new ProtoWriter();
    graph.message(1, node("MatMul", new String[] {"x", MATMUL}, new String[] {"h"}));
    String next = biasFollowsMatMul ? "Add" : "Relu";
    String[] inputs = biasFollowsMatMul ? new String[] {"h", BIAS} : new String[] {"h"};
    graph.message(1, node(next, inputs, new String[] {"y"}));
    graph.string(2, "linear");
    graph.message(5, floatTensor(MATMUL, new long[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6}));
    ByteBuffer raw = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    ProtoWriter bias = floatTensor(BIAS, new long[] {2}, new float[] {0.5f, -0.5f});
    if (biasType == OnnxTensor.FLOAT16) {
      raw.putShort(Float.floatToFloat16(0.5f)).putShort(Float.floatToFloat16(-0.5f));
      bias =
          new ProtoWriter()
              .varint(1, 2)
              .varint(2, OnnxTensor.FLOAT16)
              .string(8, BIAS)
              .bytes(9, raw.array());
    }
    graph.message(5, bias);
    return ProtoWriter.model(graph);
  }

  private static ParameterSet weights(float[] weight, float[] bias) {
    return ParameterSet.of(
        Parameter.f32(WEIGHT, new int[] {2, 3}, weight), Parameter.f32(BIAS, new int[] {2}, bias));
  }

  private static OnnxTensor initializer(byte[] model, String name) throws ModelFormatException {
    return OnnxGraph.parse(model, "out").initializers().get(name);
  }

  @Test
  void writesMatMulWeightsTransposedBackAndKeepsEachInitializersType() throws Exception {
    byte[] source = linear(OnnxTensor.FLOAT16, true);
    // the importer's view: W [out=2, in=3] is the transpose of the MatMul operand
    // [[1,2],[3,4],[5,6]]
    float[] w = {1, 3, 5, 2, 4, 6};
    assertArrayEquals(
        source, OnnxExport.replaceWeights(source, "src", weights(w, new float[] {0.5f, -0.5f})));

    byte[] out =
        OnnxExport.replaceWeights(
            source, "src", weights(new float[] {10, 20, 30, 40, 50, 60}, new float[] {1.25f, 7}));
    assertEquals(source.length, out.length);
    assertArrayEquals(
        new float[] {10, 40, 20, 50, 30, 60}, initializer(out, MATMUL).toFloats(), "[in, out]");
    OnnxTensor bias = initializer(out, BIAS);
    assertEquals(OnnxTensor.FLOAT16, bias.dataType());
    assertArrayEquals(new float[] {1.25f, 7}, bias.toFloats());
  }

  @Test
  void namesTheTensorItCannotMapOrMatch() {
    ModelFormatException unnamed =
        assertThrows(
            ModelFormatException.class,
            () ->
                OnnxExport.replaceWeights(
                    linear(OnnxTensor.FLOAT, false),
                    "src.onnx",
                    weights(new float[6], new float[2])));
    assertTrue(
        unnamed.getMessage().contains("cannot name initializer '" + MATMUL + "'"),
        unnamed.getMessage());
    assertTrue(unnamed.getMessage().startsWith("src.onnx: "), unnamed.getMessage());

    byte[] source = linear(OnnxTensor.FLOAT, true);
    ParameterSet noBias = ParameterSet.of(Parameter.f32(WEIGHT, new int[] {2, 3}, new float[6]));
    assertMessage(source, noBias, "initializer '" + BIAS + "'", "lack");

    List<Parameter> extra = new ArrayList<>(weights(new float[6], new float[2]).list());
    extra.add(Parameter.f32("pooler.dense.bias", new int[] {2}, new float[2]));
    assertMessage(source, ParameterSet.of(extra), "weight 'pooler.dense.bias'", "no initializer");

    ParameterSet wrongShape =
        ParameterSet.of(
            Parameter.f32(WEIGHT, new int[] {3, 2}, new float[6]),
            Parameter.f32(BIAS, new int[] {2}, new float[2]));
    assertMessage(source, wrongShape, "initializer '" + MATMUL + "'", "[2, 3]", "[3, 2]");
  }

  @Test
  void refusesTypedFieldStorage() {
    ProtoWriter graph = new ProtoWriter();
    graph.message(1, node("Add", new String[] {"x", BIAS}, new String[] {"y"}));
    graph.message(
        5,
        new ProtoWriter()
            .varint(1, 1)
            .varint(2, OnnxTensor.FLOAT)
            .fixed32(4, Float.floatToRawIntBits(1f))
            .string(8, BIAS));
    assertMessage(
        ProtoWriter.model(graph),
        ParameterSet.of(Parameter.f32(BIAS, new int[] {1}, new float[] {2})),
        "initializer '" + BIAS + "'",
        "raw_data");
  }

  @Test
  void writesNothingWhenTheWeightsDoNotFit(@TempDir Path dir) throws Exception {
    TokenizerJson tokenizer = new TokenizerJson("t", "{}".getBytes(StandardCharsets.UTF_8));
    byte[] source = linear(OnnxTensor.FLOAT, true);
    Path out = dir.resolve("out");
    assertThrows(
        ModelFormatException.class,
        () ->
            OnnxExport.write(
                out,
                source,
                "src",
                ParameterSet.of(Parameter.f32(BIAS, new int[] {2}, new float[2])),
                tokenizer));
    assertFalse(Files.exists(out));

    OnnxExport.write(
        out,
        source,
        "src",
        weights(new float[] {1, 3, 5, 2, 4, 6}, new float[] {0.5f, -0.5f}),
        tokenizer);
    assertArrayEquals(source, Files.readAllBytes(out.resolve(OnnxExport.MODEL_FILE)));
    assertEquals("{}", Files.readString(out.resolve(OnnxExport.TOKENIZER_FILE)));
  }

  private static void assertMessage(byte[] source, ParameterSet weights, String... mentions) {
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class,
            () -> OnnxExport.replaceWeights(source, "src.onnx", weights));
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), "'" + m + "' not in: " + e.getMessage());
    }
  }
}
