package io.github.mezo4j.nn.io.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf encoder, the mirror of {@link ProtoReader}, with builders for the few ONNX
 * messages {@link OnnxBertGraph} writes (field numbers from onnx.proto).
 */
final class ProtoWriter {
  private final Buffer out;

  /** A byte buffer whose content another one can take without a copy in between. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer(int capacity) {
      super(capacity);
    }

    void copyTo(ByteArrayOutputStream target) {
      target.write(buf, 0, count);
    }
  }

  ProtoWriter() {
    this(64);
  }

  /**
   * A writer whose buffer starts at {@code capacity} bytes (a whole model's, to avoid regrowth).
   */
  ProtoWriter(int capacity) {
    out = new Buffer(capacity);
  }

  private void rawVarint(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  ProtoWriter varint(int field, long v) {
    rawVarint((long) field << 3);
    rawVarint(v);
    return this;
  }

  ProtoWriter fixed32(int field, int v) {
    rawVarint((long) field << 3 | 5);
    out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    return this;
  }

  ProtoWriter bytes(int field, byte[] b) {
    rawVarint((long) field << 3 | 2);
    rawVarint(b.length);
    out.writeBytes(b);
    return this;
  }

  ProtoWriter string(int field, String s) {
    return bytes(field, s.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter message(int field, ProtoWriter m) {
    rawVarint((long) field << 3 | 2);
    rawVarint(m.out.size());
    m.out.copyTo(out); // no intermediate array: weight tensors are large
    return this;
  }

  /** A packed run of varints. */
  ProtoWriter packedVarints(int field, long... values) {
    ProtoWriter p = new ProtoWriter();
    for (long v : values) {
      p.rawVarint(v);
    }
    return message(field, p);
  }

  /** Bytes written so far. */
  int size() {
    return out.size();
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  // ---- ONNX messages ----

  /** TensorProto with little-endian float raw_data. */
  static ProtoWriter floatTensor(String name, long[] dims, float[] values) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    ProtoWriter t = new ProtoWriter(values.length * 4 + name.length() + 32);
    for (long d : dims) {
      t.varint(1, d);
    }
    return t.varint(2, OnnxTensor.FLOAT).string(8, name).bytes(9, raw.array());
  }

  /** TensorProto of int64 values in int64_data (packed). */
  static ProtoWriter longTensor(String name, long[] dims, long... values) {
    ProtoWriter t = new ProtoWriter();
    for (long d : dims) {
      t.varint(1, d);
    }
    return t.varint(2, OnnxTensor.INT64).packedVarints(7, values).string(8, name);
  }

  /** NodeProto named {@code /op_output}. */
  static ProtoWriter node(String op, String[] inputs, String[] outputs, ProtoWriter... attributes) {
    return node("/" + op + "_" + outputs[0], op, inputs, outputs, attributes);
  }

  static ProtoWriter node(
      String name, String op, String[] inputs, String[] outputs, ProtoWriter... attributes) {
    ProtoWriter n = new ProtoWriter();
    for (String in : inputs) {
      n.string(1, in);
    }
    for (String o : outputs) {
      n.string(2, o);
    }
    n.string(3, name).string(4, op);
    for (ProtoWriter a : attributes) {
      n.message(5, a);
    }
    return n;
  }

  static ProtoWriter floatAttribute(String name, float f) {
    return new ProtoWriter().string(1, name).fixed32(2, Float.floatToRawIntBits(f)).varint(20, 1);
  }

  static ProtoWriter intAttribute(String name, long i) {
    return new ProtoWriter().string(1, name).varint(3, i).varint(20, 2);
  }

  static ProtoWriter intsAttribute(String name, long... ints) {
    ProtoWriter a = new ProtoWriter().string(1, name);
    for (long i : ints) {
      a.varint(8, i);
    }
    return a.varint(20, 7);
  }

  static ProtoWriter stringAttribute(String name, String s) {
    return new ProtoWriter().string(1, name).string(4, s).varint(20, 3);
  }

  static ProtoWriter tensorAttribute(String name, ProtoWriter tensor) {
    return new ProtoWriter().string(1, name).message(5, tensor).varint(20, 4);
  }

  /** ModelProto {ir_version 8, producer "test", graph}: a hand-built graph for tests. */
  static byte[] model(ProtoWriter graph) {
    return new ProtoWriter().varint(1, 8).string(2, "test").message(7, graph).toByteArray();
  }
}
