package io.github.mezo4j.nn.io.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.ModelFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a <a href="https://github.com/huggingface/safetensors">safetensors</a> file through a
 * read-only memory map.
 *
 * <p>Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON {@code {name: {dtype,
 * shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}}, then the data buffer
 * (offsets are relative to its start; elements little-endian, row-major).
 *
 * <p>{@link #open} validates the whole header before any tensor is read, as strictly as the
 * reference implementation: the file must be at least 8 bytes; N at most 100 MB and within the
 * file; the header valid UTF-8 JSON starting with '{' with no duplicate names; every dtype known;
 * every shape's byte size equal to {@code end - begin}; every range inside the data buffer; and the
 * ranges, sorted, must tile the buffer exactly: overlaps, holes and trailing bytes are all errors.
 * Each error is a {@link ModelFormatException} naming the file and the tensor or field.
 *
 * <pre>{@code
 * try (SafetensorsReader r = SafetensorsReader.open(path)) {
 *   Parameter w = r.read("encoder.layer.0.output.dense.weight");
 * }
 * }</pre>
 *
 * A reader is safe to use from several threads; reads after {@link #close()} fail.
 */
public final class SafetensorsReader implements AutoCloseable {
  /** The reference implementation's limit on the header size. */
  public static final long MAX_HEADER_BYTES = 100_000_000;

  static final String METADATA_KEY = "__metadata__";

  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final ValueLayout.OfFloat F32_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong I64_LE =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Path file;
  private final Arena arena;
  private final MemorySegment data;
  private final Map<String, SafetensorsTensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsReader(
      Path file,
      Arena arena,
      MemorySegment data,
      Map<String, SafetensorsTensorInfo> tensors,
      Map<String, String> metadata) {
    this.file = file;
    this.arena = arena;
    this.data = data;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /**
   * Maps {@code file} and validates its header.
   *
   * @throws ModelFormatException naming the file and the tensor or field if the file is malformed
   * @throws IOException if the file cannot be read
   */
  public static SafetensorsReader open(Path file) throws IOException {
    String source = file.toString();
    Arena arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new ModelFormatException(
            source,
            "file is %d bytes, shorter than the 8-byte header length: not a safetensors file"
                .formatted(size));
      }
      MemorySegment whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      long n = whole.get(I64_LE, 0);
      if (n < 0 || n > MAX_HEADER_BYTES) {
        throw new ModelFormatException(
            source,
            "header length %s exceeds the %d-byte limit (corrupt header length?)"
                .formatted(Long.toUnsignedString(n), MAX_HEADER_BYTES));
      }
      if (n > size - 8) {
        throw new ModelFormatException(
            source,
            "header length %d runs past the end of the file (%d bytes): truncated or corrupt"
                .formatted(n, size));
      }
      byte[] headerBytes = whole.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
      MemorySegment buffer = whole.asSlice(8 + n);
      Map<String, String> metadata = new LinkedHashMap<>();
      List<SafetensorsTensorInfo> infos = parseHeader(headerBytes, source, metadata);
      validateLayout(infos, buffer.byteSize(), source);
      Map<String, SafetensorsTensorInfo> byName = new LinkedHashMap<>();
      for (SafetensorsTensorInfo t : infos) {
        byName.put(t.name(), t);
      }
      return new SafetensorsReader(
          file,
          arena,
          buffer,
          Collections.unmodifiableMap(byName),
          Collections.unmodifiableMap(metadata));
    } catch (IOException | RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  private static List<SafetensorsTensorInfo> parseHeader(
      byte[] headerBytes, String source, Map<String, String> metadata) throws ModelFormatException {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(headerBytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new ModelFormatException(
          source, "header is not valid UTF-8 (corrupt header length?)", e);
    }
    if (!text.startsWith("{")) {
      throw new ModelFormatException(
          source, "header does not start with '{': corrupt header length or not safetensors");
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JacksonException e) {
      String why = e.getOriginalMessage();
      if (why.startsWith("Duplicate field")) {
        throw new ModelFormatException(source, "duplicate tensor name in header: " + why, e);
      }
      throw new ModelFormatException(source, "header is not valid JSON: " + why, e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(source, "header is not a JSON object");
    }
    List<SafetensorsTensorInfo> infos = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String name = e.getKey();
      JsonNode node = e.getValue();
      if (name.equals(METADATA_KEY)) {
        if (!node.isObject()) {
          throw new ModelFormatException(
              source, "'__metadata__' must be an object of strings, got " + node);
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
          if (!m.getValue().isTextual()) {
            throw new ModelFormatException(
                source,
                "'__metadata__' entry '%s' must be a string, got %s"
                    .formatted(m.getKey(), m.getValue()));
          }
          metadata.put(m.getKey(), m.getValue().asText());
        }
        continue;
      }
      infos.add(parseTensor(name, node, source));
    }
    return infos;
  }

  private static SafetensorsTensorInfo parseTensor(String name, JsonNode node, String source)
      throws ModelFormatException {
    if (!node.isObject()) {
      throw tensorError(source, name, "entry must be an object, got " + node);
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw tensorError(source, name, "missing field 'dtype' (expected a string)");
    }
    SafetensorsDType dtype = SafetensorsDType.byName(dtypeNode.asText());
    if (dtype == null) {
      throw tensorError(
          source,
          name,
          "unknown dtype '%s'; the format defines %s"
              .formatted(dtypeNode.asText(), SafetensorsDType.names()));
    }
    JsonNode shapeNode = node.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw tensorError(source, name, "missing field 'shape' (expected an array of integers)");
    }
    int[] shape = new int[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
        throw tensorError(
            source,
            name,
            "shape %s: dimension %d is not a non-negative int".formatted(shapeNode, i));
      }
      shape[i] = d.intValue();
    }
    JsonNode offsets = node.get("data_offsets");
    if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
      throw tensorError(source, name, "missing field 'data_offsets' (expected [begin, end])");
    }
    long[] be = new long[2];
    for (int i = 0; i < 2; i++) {
      JsonNode o = offsets.get(i);
      if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
        throw tensorError(
            source, name, "data_offsets %s: not non-negative integers".formatted(offsets));
      }
      be[i] = o.longValue();
    }
    if (be[1] < be[0]) {
      throw tensorError(source, name, "data_offsets %s: end is before begin".formatted(offsets));
    }
    long elements = 1;
    for (int d : shape) {
      elements = multiplyOrFail(elements, d, source, name, shapeNode);
    }
    long bytes = multiplyOrFail(elements, dtype.bytes(), source, name, shapeNode);
    if (bytes != be[1] - be[0]) {
      throw tensorError(
          source,
          name,
          "shape %s of %s needs %d bytes but data_offsets [%d, %d] hold %d"
              .formatted(Arrays.toString(shape), dtype, bytes, be[0], be[1], be[1] - be[0]));
    }
    return new SafetensorsTensorInfo(name, dtype, shape, be[0], be[1]);
  }

  private static long multiplyOrFail(long a, long b, String source, String name, JsonNode shape)
      throws ModelFormatException {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw tensorError(source, name, "shape %s overflows 64 bits".formatted(shape));
    }
  }

  /** The sorted ranges must tile [0, bufferBytes) exactly, as the reference reader requires. */
  private static void validateLayout(
      List<SafetensorsTensorInfo> infos, long bufferBytes, String source)
      throws ModelFormatException {
    for (SafetensorsTensorInfo t : infos) {
      if (t.end() > bufferBytes) {
        throw tensorError(
            source,
            t.name(),
            "data_offsets [%d, %d] run past the end of the %d-byte data buffer (truncated file?)"
                .formatted(t.begin(), t.end(), bufferBytes));
      }
    }
    List<SafetensorsTensorInfo> sorted = new ArrayList<>(infos);
    sorted.sort(
        Comparator.comparingLong(SafetensorsTensorInfo::begin)
            .thenComparingLong(SafetensorsTensorInfo::end));
    long covered = 0;
    SafetensorsTensorInfo previous = null;
    for (SafetensorsTensorInfo t : sorted) {
      if (t.begin() < covered) {
        throw tensorError(
            source,
            t.name(),
            "data_offsets [%d, %d] overlap tensor '%s' [%d, %d]"
                .formatted(t.begin(), t.end(), previous.name(), previous.begin(), previous.end()));
      }
      if (t.begin() > covered) {
        throw tensorError(
            source,
            t.name(),
            ("data_offsets [%d, %d] leave bytes [%d, %d) of the data buffer unused; the format"
                    + " requires the tensors to cover it without holes")
                .formatted(t.begin(), t.end(), covered, t.begin()));
      }
      covered = t.end();
      previous = t;
    }
    if (covered != bufferBytes) {
      throw new ModelFormatException(
          source,
          ("the data buffer holds %d bytes but the tensors cover only %d: trailing bytes are not"
                  + " allowed")
              .formatted(bufferBytes, covered));
    }
  }

  private static ModelFormatException tensorError(String source, String name, String detail) {
    return new ModelFormatException(source, "tensor '%s': %s".formatted(name, detail));
  }

  /** The file this reader maps. */
  public Path file() {
    return file;
  }

  /** The {@code __metadata__} entries (empty if the header has none). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Every tensor entry, in header order. */
  public List<SafetensorsTensorInfo> tensors() {
    return List.copyOf(tensors.values());
  }

  /** Tensor names, in header order. */
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /** Whether the header has a tensor called {@code name}. */
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /**
   * The entry of tensor {@code name}.
   *
   * @throws ModelFormatException naming the file and the tensor if there is no such tensor
   */
  public SafetensorsTensorInfo info(String name) throws ModelFormatException {
    SafetensorsTensorInfo t = tensors.get(name);
    if (t == null) {
      throw new ModelFormatException(
          file.toString(),
          "missing tensor '%s' (the file holds %d tensors)".formatted(name, tensors.size()));
    }
    return t;
  }

  /**
   * Reads tensor {@code name} in its natural storage: F32 and F16 as f32 (F16 widens exactly), BF16
   * as bf16.
   */
  public Parameter read(String name) throws ModelFormatException {
    return read(name, name, null);
  }

  /**
   * Reads tensor {@code name} into {@code storage}: widening (BF16/F16 → F32) is exact; narrowing
   * (F32/F16 → BF16) rounds to nearest even.
   */
  public Parameter read(String name, DType storage) throws ModelFormatException {
    return read(name, name, storage);
  }

  /**
   * Reads tensor {@code name} as a parameter called {@code parameterName}, stored as {@code
   * storage} (null: natural storage, see {@link #read(String)}).
   *
   * @throws ModelFormatException naming the file and the tensor if it is missing or its dtype is
   *     not F32, F16 or BF16
   */
  public Parameter read(String name, String parameterName, DType storage)
      throws ModelFormatException {
    SafetensorsTensorInfo t = info(name);
    if (!t.dtype().isLoadable()) {
      throw tensorError(
          file.toString(),
          name,
          "dtype %s cannot be loaded as a parameter (only F32, F16 and BF16)".formatted(t.dtype()));
    }
    DType target = t.storedAs(storage);
    int n = (int) t.elementCount(); // < 2^31: checked by Parameter below for the shape
    if (t.elementCount() > Integer.MAX_VALUE - 8) {
      throw tensorError(file.toString(), name, "more than 2^31 elements");
    }
    long at = t.begin();
    if (t.dtype() == SafetensorsDType.F32) {
      float[] values = new float[n];
      MemorySegment.copy(data, F32_LE, at, values, 0, n);
      release(at, 4L * n);
      return target == DType.F32
          ? Parameter.f32(parameterName, t.shape(), values)
          : Parameter.of(parameterName, DType.BF16, t.shape(), values);
    }
    short[] bits = new short[n];
    MemorySegment.copy(data, I16_LE, at, bits, 0, n);
    release(at, 2L * n);
    if (t.dtype() == SafetensorsDType.BF16 && target == DType.BF16) {
      return Parameter.bf16(parameterName, t.shape(), bits);
    }
    float[] values = new float[n];
    boolean half = t.dtype() == SafetensorsDType.F16;
    for (int i = 0; i < n; i++) {
      values[i] = half ? Float.float16ToFloat(bits[i]) : BFloat16.toFloat(bits[i]);
    }
    return target == DType.F32
        ? Parameter.f32(parameterName, t.shape(), values)
        : Parameter.of(parameterName, DType.BF16, t.shape(), values);
  }

  /**
   * Drops a tensor's file pages from this process's resident memory once it is copied out (they
   * stay in the page cache): otherwise a shard's pages stay resident beside the copied weights
   * until the shard is closed, which for a 10 GB shard is 10 GB more at the loading peak.
   */
  private void release(long at, long bytes) {
    if (bytes > 0) {
      data.asSlice(at, bytes).unload();
    }
  }

  /**
   * Reads every tensor, in header order, into {@code storage} (null: natural storage).
   *
   * @throws ModelFormatException if a tensor's dtype is not loadable
   */
  public ParameterSet readAll(DType storage) throws ModelFormatException {
    List<Parameter> params = new ArrayList<>();
    for (String name : tensors.keySet()) {
      params.add(read(name, name, storage));
    }
    return ParameterSet.of(params);
  }

  /** Unmaps the file. */
  @Override
  public void close() {
    arena.close();
  }
}
