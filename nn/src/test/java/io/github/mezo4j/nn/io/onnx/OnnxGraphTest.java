package io.github.mezo4j.nn.io.onnx;

import static io.github.mezo4j.nn.io.onnx.ProtoWriter.floatTensor;
import static io.github.mezo4j.nn.io.onnx.ProtoWriter.longTensor;
import static io.github.mezo4j.nn.io.onnx.ProtoWriter.model;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.onnx.ProtoReader.LongList;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The protobuf decoder against the encoding guide's examples, and ONNX tensor decoding. */
class OnnxGraphTest {

  private static ProtoReader reader(String hex) {
    byte[] b = HexFormat.of().parseHex(hex);
    return new ProtoReader(b, 0, b.length, "test.onnx");
  }

  @Test
  void decodesTheEncodingGuideExamples() throws ModelFormatException {
    // protobuf.dev/programming-guides/encoding: message Test1 { int32 a = 1; } with a = 150
    ProtoReader r = reader("089601");
    int tag = r.readTag();
    assertEquals(1, ProtoReader.field(tag));
    assertEquals(ProtoReader.VARINT, ProtoReader.wireType(tag));
    assertEquals(150, r.readVarint());
    // Test2 { string b = 2; } with b = "testing"
    r = reader("120774657374696e67");
    tag = r.readTag();
    assertEquals(2, ProtoReader.field(tag));
    assertEquals("testing", r.readString());
    // Test5 { repeated int32 f = 6 [packed]; } with 3, 270, 86942
    r = reader("3206038e029ea705");
    tag = r.readTag();
    assertEquals(6, ProtoReader.field(tag));
    LongList values = new LongList();
    r.readRepeatedVarint(tag, values);
    assertArrayEquals(new long[] {3, 270, 86942}, values.toArray());
    // a negative int32 is a 10-byte varint
    assertEquals(-2, reader("feffffffffffffffff01").readVarint());
  }

  @Test
  void rejectsTruncatedAndMalformedInput() {
    assertTrue(
        assertThrows(ModelFormatException.class, () -> reader("96").readVarint())
            .getMessage()
            .contains("test.onnx: malformed protobuf at byte 0: truncated varint"));
    assertTrue(
        assertThrows(ModelFormatException.class, () -> reader("1207746573").readMessage())
            .getMessage()
            .contains("runs past the end"));
    assertTrue(
        assertThrows(ModelFormatException.class, () -> reader("0b").readTag())
            .getMessage()
            .contains("unsupported wire type 3"));
    assertTrue(
        assertThrows(
                ModelFormatException.class, () -> reader("ffffffffffffffffffff01").readVarint())
            .getMessage()
            .contains("longer than 10 bytes"));
  }

  private static OnnxGraph graphWith(ProtoWriter... initializers) throws ModelFormatException {
    ProtoWriter g = new ProtoWriter().string(2, "g");
    for (ProtoWriter t : initializers) {
      g.message(5, t);
    }
    return OnnxGraph.parse(model(g), "tiny.onnx");
  }

  @Test
  void decodesTensorsInEveryEncoding() throws ModelFormatException {
    ProtoWriter unpacked =
        new ProtoWriter().varint(1, 2).varint(2, OnnxTensor.FLOAT).string(8, "u");
    unpacked.fixed32(4, Float.floatToRawIntBits(1.5f)).fixed32(4, Float.floatToRawIntBits(-2f));
    ByteBuffer packedFloats = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    packedFloats.putFloat(0.25f).putFloat(3f);
    ProtoWriter packed =
        new ProtoWriter()
            .packedVarints(1, 2)
            .varint(2, OnnxTensor.FLOAT)
            .bytes(4, packedFloats.array())
            .string(8, "p");
    ByteBuffer halves = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    halves.putShort((short) 0x3C00).putShort((short) 0xC000);
    ProtoWriter f16 =
        new ProtoWriter()
            .varint(1, 2)
            .varint(2, OnnxTensor.FLOAT16)
            .string(8, "h")
            .bytes(9, halves.array());
    ProtoWriter f16Typed =
        new ProtoWriter()
            .varint(1, 1)
            .varint(2, OnnxTensor.FLOAT16)
            .string(8, "ht")
            .varint(5, 0x3555);
    ProtoWriter bf16 =
        new ProtoWriter()
            .varint(1, 1)
            .varint(2, OnnxTensor.BFLOAT16)
            .string(8, "b")
            .bytes(9, new byte[] {(byte) 0xC0, 0x3F});
    OnnxGraph g =
        graphWith(
            unpacked,
            packed,
            f16,
            f16Typed,
            bf16,
            longTensor("i", new long[] {3}, 1, -1, 1L << 40));
    assertArrayEquals(new float[] {1.5f, -2f}, g.initializers().get("u").toFloats());
    assertArrayEquals(new float[] {0.25f, 3f}, g.initializers().get("p").toFloats());
    assertArrayEquals(new float[] {1f, -2f}, g.initializers().get("h").toFloats());
    assertArrayEquals(new float[] {0.333251953125f}, g.initializers().get("ht").toFloats());
    assertArrayEquals(new float[] {1.5f}, g.initializers().get("b").toFloats());
    assertArrayEquals(new long[] {1, -1, 1L << 40}, g.initializers().get("i").toLongs());
    assertEquals("test", OnnxGraph.parse(model(new ProtoWriter()), "m").producerName());
  }

  @Test
  void rejectsExternalDataAndSizeMismatches() {
    ProtoWriter external =
        new ProtoWriter()
            .varint(1, 4)
            .varint(2, OnnxTensor.FLOAT)
            .string(8, "encoder.big.weight")
            .message(13, new ProtoWriter().string(1, "location").string(2, "weights.bin"))
            .varint(14, 1);
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> graphWith(external));
    assertTrue(e.getMessage().startsWith("tiny.onnx: "), e.getMessage());
    assertTrue(e.getMessage().contains("'encoder.big.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains("external file"), e.getMessage());

    ProtoWriter shortRaw = floatTensor("w.x", new long[] {3}, new float[] {1, 2});
    OnnxTensor t = assertDoesParse(shortRaw);
    ModelFormatException size = assertThrows(ModelFormatException.class, t::toFloats);
    assertTrue(
        size.getMessage().contains("tensor 'w.x': raw_data holds 8 bytes"), size.getMessage());

    // huge dims over a few bytes: refused before anything is allocated
    OnnxTensor huge =
        assertDoesParse(floatTensor("w.huge", new long[] {1 << 29, 3}, new float[] {1, 2}));
    assertTrue(
        assertThrows(ModelFormatException.class, huge::toFloats)
            .getMessage()
            .contains("tensor 'w.huge': raw_data holds 8 bytes but dims [536870912, 3]"));
    OnnxTensor overflow =
        assertDoesParse(floatTensor("w.over", new long[] {1L << 40, 1L << 40}, new float[] {1}));
    assertEquals(-1, overflow.elementCount());
    assertTrue(
        assertThrows(ModelFormatException.class, overflow::shape)
            .getMessage()
            .contains("tensor 'w.over'"));

    ModelFormatException dup =
        assertThrows(
            ModelFormatException.class,
            () ->
                graphWith(
                    floatTensor("a", new long[] {1}, new float[] {1}),
                    floatTensor("a", new long[] {1}, new float[] {2})));
    assertTrue(dup.getMessage().contains("duplicate initializer name 'a'"), dup.getMessage());
    ModelFormatException empty =
        assertThrows(ModelFormatException.class, () -> OnnxGraph.parse(new byte[0], "empty.onnx"));
    assertTrue(empty.getMessage().contains("empty.onnx: no graph"), empty.getMessage());
  }

  private static OnnxTensor assertDoesParse(ProtoWriter tensor) {
    try {
      return graphWith(tensor).initializers().values().iterator().next();
    } catch (ModelFormatException e) {
      throw new AssertionError(e);
    }
  }
}
