package io.github.mezo4j.nn.io.safetensors;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/** Test helper: builds safetensors files byte by byte and rewrites the headers of real ones. */
public final class RawSafetensors {
  private RawSafetensors() {}

  public static final JsonMapper JSON = JsonMapper.builder().build();

  /** An 8-byte little-endian length, the header text as given (no padding), then {@code data}. */
  public static byte[] bytes(long headerLength, String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(headerLength).put(h).put(data);
    return buf.array();
  }

  /** A well-formed file: correct length prefix for {@code header}. */
  public static byte[] bytes(String header, byte[] data) {
    return bytes(header.getBytes(StandardCharsets.UTF_8).length, header, data);
  }

  public static Path write(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes);
    return file;
  }

  /** Little-endian bytes of 16-bit patterns. */
  public static byte[] shorts(int... bits) {
    ByteBuffer buf = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int b : bits) {
      buf.putShort((short) b);
    }
    return buf.array();
  }

  /** Little-endian bytes of floats. */
  public static byte[] floats(float... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buf.putFloat(v);
    }
    return buf.array();
  }

  /** The header JSON of an existing file. */
  public static ObjectNode header(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return (ObjectNode) JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
  }

  /**
   * Copies {@code from} to {@code to} with its header edited by {@code edit} (the data buffer is
   * kept byte for byte; the length prefix is recomputed).
   */
  public static Path rewriteHeader(Path from, Path to, Consumer<ObjectNode> edit)
      throws IOException {
    return rewriteHeader(from, to, edit, new byte[0]);
  }

  /** As {@link #rewriteHeader(Path, Path, Consumer)}, appending {@code extra} to the data. */
  public static Path rewriteHeader(Path from, Path to, Consumer<ObjectNode> edit, byte[] extra)
      throws IOException {
    try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(
                to,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      in.read(prefix, 0);
      long n = prefix.getLong(0);
      ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
      in.read(headerBytes, 8);
      ObjectNode header =
          (ObjectNode) JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
      edit.accept(header);
      byte[] newHeader = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
      ByteBuffer head = ByteBuffer.allocate(8 + newHeader.length).order(ByteOrder.LITTLE_ENDIAN);
      head.putLong(newHeader.length).put(newHeader).flip();
      while (head.hasRemaining()) {
        out.write(head);
      }
      // the data buffer is copied by the kernel, unchanged
      long from8 = 8 + n;
      long size = in.size() - from8;
      for (long done = 0; done < size; ) {
        done += in.transferTo(from8 + done, size - done, out);
      }
      ByteBuffer tail = ByteBuffer.wrap(extra);
      while (tail.hasRemaining()) {
        out.write(tail);
      }
    }
    return to;
  }
}
