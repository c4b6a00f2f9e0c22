package io.github.mezo4j.nn.io.onnx;

import io.github.mezo4j.nn.io.ModelFormatException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A decoder for the protocol buffers wire format over a byte array, just enough for ONNX: varints,
 * 32/64-bit fixed values and length-delimited fields (sub-messages, strings, bytes, packed arrays).
 * Every read is bounds-checked against the enclosing message, so a truncated or corrupt file gives
 * a {@link ModelFormatException} naming the byte offset, never an index error.
 *
 * <p>Wire types (protobuf encoding spec): 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32; 3 and
 * 4 (groups) are deprecated, unused by ONNX, and rejected.
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final byte[] bytes;
  private final String source;
  private int pos;
  private final int limit;

  ProtoReader(byte[] bytes, int from, int to, String source) {
    this.bytes = bytes;
    this.pos = from;
    this.limit = to;
    this.source = source;
  }

  /** True while the current message has unread bytes. */
  boolean hasMore() {
    return pos < limit;
  }

  int position() {
    return pos;
  }

  byte[] bytes() {
    return bytes;
  }

  /** Reads a field key; returns it whole: field number in the high bits, wire type in the low 3. */
  int readTag() throws ModelFormatException {
    int at = pos;
    long key = readVarint();
    long field = key >>> 3;
    if (field == 0 || field > (1 << 29) - 1) {
      throw error(at, "invalid field number " + field);
    }
    int wire = (int) (key & 7);
    if (wire != VARINT && wire != FIXED64 && wire != LENGTH_DELIMITED && wire != FIXED32) {
      throw error(at, "unsupported wire type %d for field %d".formatted(wire, field));
    }
    return (int) key;
  }

  static int field(int tag) {
    return tag >>> 3;
  }

  static int wireType(int tag) {
    return tag & 7;
  }

  long readVarint() throws ModelFormatException {
    int at = pos;
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw error(at, "truncated varint");
      }
      byte b = bytes[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw error(at, "varint longer than 10 bytes");
  }

  int readFixed32() throws ModelFormatException {
    require(4, "fixed32");
    int v =
        (bytes[pos] & 0xFF)
            | (bytes[pos + 1] & 0xFF) << 8
            | (bytes[pos + 2] & 0xFF) << 16
            | (bytes[pos + 3] & 0xFF) << 24;
    pos += 4;
    return v;
  }

  long readFixed64() throws ModelFormatException {
    long lo = readFixed32() & 0xFFFFFFFFL;
    long hi = readFixed32() & 0xFFFFFFFFL;
    return lo | hi << 32;
  }

  /** Reads a length prefix and returns the start offset of the payload, skipping over it. */
  int readLengthDelimited() throws ModelFormatException {
    int at = pos;
    long length = readVarint();
    if (length < 0 || length > limit - pos) {
      throw error(
          at,
          "length-delimited field of %d bytes runs past the end of its message (%d bytes left)"
              .formatted(length, limit - pos));
    }
    int start = pos;
    pos += (int) length;
    return start;
  }

  /** The payload of the next length-delimited field as a nested reader. */
  ProtoReader readMessage() throws ModelFormatException {
    int start = readLengthDelimited();
    return new ProtoReader(bytes, start, pos, source);
  }

  /** The payload of the next length-delimited field as strict UTF-8 text. */
  String readString() throws ModelFormatException {
    int start = readLengthDelimited();
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes, start, pos - start))
          .toString();
    } catch (CharacterCodingException e) {
      throw error(start, "string field is not valid UTF-8");
    }
  }

  /** Skips the value of a field whose tag was just read. */
  void skip(int tag) throws ModelFormatException {
    switch (wireType(tag)) {
      case VARINT -> readVarint();
      case FIXED64 -> {
        require(8, "fixed64");
        pos += 8;
      }
      case FIXED32 -> {
        require(4, "fixed32");
        pos += 4;
      }
      case LENGTH_DELIMITED -> readLengthDelimited();
      default -> throw error(pos, "unsupported wire type " + wireType(tag));
    }
  }

  /**
   * Appends the values of a repeated varint field: one value (unpacked encoding) or a packed run,
   * since proto2 writers may use either.
   */
  void readRepeatedVarint(int tag, LongList out) throws ModelFormatException {
    if (wireType(tag) == LENGTH_DELIMITED) {
      ProtoReader packed = readMessage();
      while (packed.hasMore()) {
        out.add(packed.readVarint());
      }
    } else {
      expectWire(tag, VARINT);
      out.add(readVarint());
    }
  }

  /** Appends the values of a repeated fixed32 field (float): unpacked or packed. */
  void readRepeatedFixed32(int tag, IntList out) throws ModelFormatException {
    if (wireType(tag) == LENGTH_DELIMITED) {
      ProtoReader packed = readMessage();
      if ((packed.limit - packed.pos) % 4 != 0) {
        throw error(packed.pos, "packed fixed32 run is not a multiple of 4 bytes");
      }
      while (packed.hasMore()) {
        out.add(packed.readFixed32());
      }
    } else {
      expectWire(tag, FIXED32);
      out.add(readFixed32());
    }
  }

  /** Appends the values of a repeated fixed64 field (double): unpacked or packed. */
  void readRepeatedFixed64(int tag, LongList out) throws ModelFormatException {
    if (wireType(tag) == LENGTH_DELIMITED) {
      ProtoReader packed = readMessage();
      if ((packed.limit - packed.pos) % 8 != 0) {
        throw error(packed.pos, "packed fixed64 run is not a multiple of 8 bytes");
      }
      while (packed.hasMore()) {
        out.add(packed.readFixed64());
      }
    } else {
      expectWire(tag, FIXED64);
      out.add(readFixed64());
    }
  }

  /** Fails unless the tag just read has wire type {@code wire}. */
  void expectWire(int tag, int wire) throws ModelFormatException {
    if (wireType(tag) != wire) {
      throw error(
          pos, "field %d has wire type %d, expected %d".formatted(field(tag), wireType(tag), wire));
    }
  }

  private void require(int n, String what) throws ModelFormatException {
    if (limit - pos < n) {
      throw error(pos, "truncated %s (%d bytes left in the message)".formatted(what, limit - pos));
    }
  }

  ModelFormatException error(int at, String detail) {
    return new ModelFormatException(
        source, "malformed protobuf at byte %d: %s".formatted(at, detail));
  }

  /** A growable long array (no boxing: ONNX dims and int64 data can be long). */
  static final class LongList {
    private long[] values = new long[8];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }

    int size() {
      return size;
    }
  }

  /** A growable int array (float bit patterns, int32 data). */
  static final class IntList {
    private int[] values = new int[8];
    private int size;

    void add(int v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }

    int size() {
      return size;
    }
  }
}
