package io.github.mezo4j.nn.io.safetensors;

import static io.github.mezo4j.nn.io.safetensors.RawSafetensors.bytes;
import static io.github.mezo4j.nn.io.safetensors.RawSafetensors.floats;
import static io.github.mezo4j.nn.io.safetensors.RawSafetensors.shorts;
import static io.github.mezo4j.nn.io.safetensors.RawSafetensors.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.AtomicFiles;
import io.github.mezo4j.nn.io.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path dir;

  // Published vector: huggingface/safetensors tensor.rs test_serialization ("attn.0", F32 [1,2,3],
  // values 0..5, no metadata).
  private static final int[] REFERENCE_SERIALIZATION = {
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121,
    112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50,
    44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44,
    50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
    160, 64
  };

  // Published vector: test_empty with metadata {"framework": "pt"}: header padded with spaces.
  private static final int[] REFERENCE_EMPTY_WITH_METADATA = {
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58,
    123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32,
    32, 32, 32
  };

  private static byte[] toBytes(int[] values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  @Test
  void writerReproducesTheReferenceSerialization() throws IOException {
    Path file = dir.resolve("attn.safetensors");
    Parameter attn = Parameter.f32("attn.0", new int[] {1, 2, 3}, new float[] {0, 1, 2, 3, 4, 5});
    SafetensorsWriter.write(file, List.of(attn), null);
    assertArrayEquals(toBytes(REFERENCE_SERIALIZATION), Files.readAllBytes(file));
  }

  @Test
  void writerReproducesTheReferencePaddedHeader() throws IOException {
    Path file = dir.resolve("empty.safetensors");
    SafetensorsWriter.write(file, List.of(), Map.of("framework", "pt"));
    assertArrayEquals(toBytes(REFERENCE_EMPTY_WITH_METADATA), Files.readAllBytes(file));
  }

  @Test
  void readerDecodesTheReferenceFiles() throws IOException {
    Path file = write(dir.resolve("ref.safetensors"), toBytes(REFERENCE_SERIALIZATION));
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      assertEquals(List.of("attn.0"), r.names());
      assertEquals(Map.of(), r.metadata());
      SafetensorsTensorInfo info = r.info("attn.0");
      assertEquals(SafetensorsDType.F32, info.dtype());
      assertArrayEquals(new int[] {1, 2, 3}, info.shape());
      Parameter p = r.read("attn.0");
      assertEquals(DType.F32, p.dtype());
      assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, p.toFloatArray());
    }
    Path empty = write(dir.resolve("empty.safetensors"), toBytes(REFERENCE_EMPTY_WITH_METADATA));
    try (SafetensorsReader r = SafetensorsReader.open(empty)) {
      assertEquals(List.of(), r.names());
      assertEquals(Map.of("framework", "pt"), r.metadata());
    }
  }

  @Test
  void decodesF16AgainstKnownBitPatterns() throws IOException {
    // IEEE 754 binary16 patterns and their exact values
    int[] bits = {0x3C00, 0xC000, 0x7BFF, 0x0400, 0x0001, 0x8000, 0x3555, 0x7C00, 0xFC00, 0x7E00};
    float[] expected = {
      1f,
      -2f,
      65504f,
      0x1p-14f,
      0x1p-24f,
      -0f,
      0.333251953125f,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      Float.NaN
    };
    String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,5],\"data_offsets\":[0,20]}}";
    Path file = write(dir.resolve("f16.safetensors"), bytes(header, shorts(bits)));
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      Parameter p = r.read("h");
      assertEquals(DType.F32, p.dtype());
      assertArrayEquals(new int[] {2, 5}, p.shape());
      float[] got = p.toFloatArray();
      for (int i = 0; i < expected.length; i++) {
        assertEquals(
            Float.floatToIntBits(expected[i]),
            Float.floatToIntBits(got[i]),
            "pattern 0x%04X".formatted(bits[i]));
      }
      // narrowing to bf16 on request rounds the exact f16 value
      Parameter narrowed = r.read("h", DType.BF16);
      assertEquals(BFloat16.fromFloat(0.333251953125f), narrowed.bf16Data()[6]);
    }
  }

  @Test
  void bf16RoundTripsBitForBitAndWidensExactly() throws IOException {
    SplittableRandom rnd = new SplittableRandom(7);
    short[] bits = new short[3 * 7];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = (short) rnd.nextInt(1 << 16);
    }
    bits[0] = (short) 0x7FC1; // a NaN payload must survive untouched
    Parameter bf = Parameter.bf16("w.bf", new int[] {3, 7}, bits.clone());
    Parameter odd = Parameter.bf16("w.odd", new int[] {3}, new short[] {1, 2, 3});
    Parameter f = Parameter.f32("w.f", new int[] {2}, new float[] {1.5f, -0.1f});
    Path file = dir.resolve("mixed.safetensors");
    SafetensorsWriter.write(file, ParameterSet.of(odd, bf, f));
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      assertEquals(Map.of("format", "pt"), r.metadata());
      // F32 is laid out first so that it stays 4-byte aligned after the odd-length bf16 tensor
      assertEquals(List.of("w.f", "w.odd", "w.bf"), r.names());
      Parameter back = r.read("w.bf");
      assertEquals(DType.BF16, back.dtype());
      assertArrayEquals(bits, back.bf16Data());
      Parameter widened = r.read("w.bf", DType.F32);
      for (int i = 0; i < bits.length; i++) {
        assertEquals(
            Float.floatToRawIntBits(BFloat16.toFloat(bits[i])),
            Float.floatToRawIntBits(widened.f32Data()[i]));
      }
      Parameter narrowed = r.read("w.f", DType.BF16);
      assertArrayEquals(
          new short[] {BFloat16.fromFloat(1.5f), BFloat16.fromFloat(-0.1f)}, narrowed.bf16Data());
      assertTrue(r.readAll(null).contentEquals(ParameterSet.of(f, odd, bf)));
    }
    byte[] all = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(all, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, n % 8, "header padded to 8 bytes");
  }

  @Test
  void renamesOnRead() throws IOException {
    Path file = write(dir.resolve("ref.safetensors"), toBytes(REFERENCE_SERIALIZATION));
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      assertEquals("x", r.read("attn.0", "x", DType.F32).name());
    }
  }

  private ModelFormatException rejects(String fileName, byte[] content) throws IOException {
    Path file = write(dir.resolve(fileName), content);
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> SafetensorsReader.open(file).close());
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    return e;
  }

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%d,%d]}"
        .formatted(name, dtype, shape, begin, end);
  }

  private static void assertMentions(Exception e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
    }
  }

  @Test
  void rejectsMalformedHeadersWithClearErrors() throws IOException {
    byte[] eight = floats(1, 2);
    assertMentions(rejects("short.safetensors", new byte[] {1, 0, 0}), "shorter than the 8-byte");
    assertMentions(
        rejects("long.safetensors", bytes(1000, "{}", new byte[0])), "past the end of the file");
    assertMentions(
        rejects("huge.safetensors", bytes(-1, "{}", new byte[0])), "exceeds the 100000000-byte");
    assertMentions(
        rejects("json.safetensors", bytes("{\"a\":{\"dtype\":", eight)), "not valid JSON");
    assertMentions(rejects("brace.safetensors", bytes("[1, 2]", eight)), "does not start with '{'");
    assertMentions(
        rejects("dtype.safetensors", bytes("{" + entry("t.w", "F31", "[2]", 0, 8) + "}", eight)),
        "tensor 't.w'",
        "unknown dtype 'F31'",
        "BF16");
    assertMentions(
        rejects("size.safetensors", bytes("{" + entry("t.w", "F32", "[3]", 0, 8) + "}", eight)),
        "tensor 't.w'",
        "needs 12 bytes");
    assertMentions(
        rejects("range.safetensors", bytes("{" + entry("t.w", "F32", "[4]", 0, 16) + "}", eight)),
        "tensor 't.w'",
        "past the end of the 8-byte data buffer");
    assertMentions(
        rejects(
            "overlap.safetensors",
            bytes(
                "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 4, 8) + "}",
                eight)),
        "tensor 'b'",
        "overlap tensor 'a'");
    assertMentions(
        rejects("hole.safetensors", bytes("{" + entry("t.w", "F32", "[1]", 4, 8) + "}", eight)),
        "tensor 't.w'",
        "leave bytes [0, 4)");
    assertMentions(
        rejects("trailing.safetensors", bytes("{" + entry("t.w", "F32", "[1]", 0, 4) + "}", eight)),
        "holds 8 bytes but the tensors cover only 4");
    assertMentions(
        rejects(
            "dup.safetensors",
            bytes(
                "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}",
                eight)),
        "duplicate tensor name",
        "'a'");
    assertMentions(
        rejects(
            "meta.safetensors",
            bytes(
                "{\"__metadata__\":{\"format\":1}," + entry("a", "F32", "[2]", 0, 8) + "}", eight)),
        "'__metadata__' entry 'format'");
    assertMentions(
        rejects(
            "offsets.safetensors",
            bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", eight)),
        "tensor 'a'",
        "end is before begin");
    assertMentions(
        rejects("noshape.safetensors", bytes("{\"a\":{\"dtype\":\"F32\"}}", eight)),
        "tensor 'a'",
        "missing field 'shape'");
  }

  @Test
  void namesTheMissingTensorAndTheUnloadableDtype() throws IOException {
    String header =
        "{" + entry("ids", "I64", "[1]", 0, 8) + "," + entry("w", "F32", "[2]", 8, 16) + "}";
    Path file = write(dir.resolve("ids.safetensors"), bytes(header, new byte[16]));
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      assertMentions(
          assertThrows(ModelFormatException.class, () -> r.read("nope")),
          file.toString(),
          "missing tensor 'nope'");
      assertMentions(
          assertThrows(ModelFormatException.class, () -> r.read("ids")),
          file.toString(),
          "tensor 'ids'",
          "I64");
      assertEquals(2, r.read("w").size());
    }
  }

  @Test
  void failedAtomicWriteKeepsTheOldFileAndLeavesNoTemporaries() throws IOException {
    Path file = dir.resolve("model.safetensors");
    Parameter p = Parameter.f32("a.w", new int[] {2}, new float[] {1, 2});
    SafetensorsWriter.write(file, ParameterSet.of(p));
    byte[] before = Files.readAllBytes(file);
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                AtomicFiles.write(
                    file,
                    ch -> {
                      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                      throw new IOException("disk full (simulated)");
                    }));
    // the message names the file (a real full disk does not) and keeps the cause
    assertTrue(
        e.getMessage().contains(file.toString())
            && e.getMessage().contains("disk full (simulated)"),
        e.getMessage());
    assertEquals("disk full (simulated)", e.getCause().getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> SafetensorsWriter.write(file, List.of(p, p.copy()), null));
    assertArrayEquals(before, Files.readAllBytes(file));
  }
}
