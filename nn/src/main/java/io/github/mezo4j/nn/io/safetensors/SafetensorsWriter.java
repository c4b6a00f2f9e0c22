package io.github.mezo4j.nn.io.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes parameters to a safetensors file, atomically ({@link AtomicFiles}: temp file, fsync,
 * rename), so a crash never leaves a truncated checkpoint behind.
 *
 * <p>Each parameter is written in its storage dtype (F32 or BF16), bit for bit. Like the reference
 * writer, tensors are ordered by element size, largest first (within a size, in the given order),
 * and the header is padded with spaces to a multiple of 8 bytes, so every tensor's data is aligned
 * to its element size.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  /** The metadata PyTorch checkpoints carry (transformers checks it when loading). */
  public static final Map<String, String> PT_METADATA = Map.of("format", "pt");

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int CHUNK = 1 << 20;

  /** Writes {@code params} with metadata {@code {"format": "pt"}}, as Hugging Face does. */
  public static void write(Path file, ParameterSet params) throws IOException {
    write(file, params.list(), PT_METADATA);
  }

  /**
   * Writes {@code params} with {@code metadata} as {@code __metadata__} (null: no metadata entry).
   *
   * @throws IllegalArgumentException if two parameters share a name
   */
  public static void write(Path file, List<Parameter> params, Map<String, String> metadata)
      throws IOException {
    List<Parameter> ordered = layoutOrder(params);
    byte[] header = header(ordered, metadata);
    AtomicFiles.write(
        file,
        channel -> {
          ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
          prefix.putLong(header.length).flip();
          AtomicFiles.writeFully(channel, prefix);
          AtomicFiles.writeFully(channel, ByteBuffer.wrap(header));
          ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
          for (Parameter p : ordered) {
            writeData(channel, p, buf);
          }
        });
  }

  /** Stable sort by element size, largest first, so every tensor starts aligned. */
  static List<Parameter> layoutOrder(List<Parameter> params) {
    Set<String> names = new HashSet<>();
    for (Parameter p : params) {
      if (!names.add(p.name())) {
        throw new IllegalArgumentException("duplicate parameter name '" + p.name() + "'");
      }
    }
    List<Parameter> ordered = new ArrayList<>(params);
    ordered.sort(Comparator.comparingInt((Parameter p) -> p.dtype().bytes()).reversed());
    return ordered;
  }

  /** The header JSON, space-padded to a multiple of 8 bytes. */
  static byte[] header(List<Parameter> ordered, Map<String, String> metadata) {
    ObjectNode root = JSON.createObjectNode();
    if (metadata != null) {
      ObjectNode meta = root.putObject(SafetensorsReader.METADATA_KEY);
      metadata.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> meta.put(e.getKey(), e.getValue()));
    }
    long offset = 0;
    for (Parameter p : ordered) {
      ObjectNode t = root.putObject(p.name());
      t.put("dtype", p.dtype() == DType.F32 ? "F32" : "BF16");
      ArrayNode shape = t.putArray("shape");
      Arrays.stream(p.shape()).forEach(shape::add);
      long end = offset + p.bytes();
      t.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot serialise safetensors header", e);
    }
    int padded = (json.length + 7) & ~7;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  private static void writeData(FileChannel channel, Parameter p, ByteBuffer buf)
      throws IOException {
    int n = p.size();
    if (p.dtype() == DType.F32) {
      float[] values = p.f32Data();
      for (int i = 0; i < n; ) {
        buf.clear();
        int len = Math.min(n - i, CHUNK / 4);
        buf.asFloatBuffer().put(values, i, len);
        buf.limit(len * 4);
        AtomicFiles.writeFully(channel, buf);
        i += len;
      }
    } else {
      short[] bits = p.bf16Data();
      for (int i = 0; i < n; ) {
        buf.clear();
        int len = Math.min(n - i, CHUNK / 2);
        buf.asShortBuffer().put(bits, i, len);
        buf.limit(len * 2);
        AtomicFiles.writeFully(channel, buf);
        i += len;
      }
    }
  }
}
