package io.github.mezo4j.nn.io.onnx;

/**
 * One ONNX {@code AttributeProto}; only the field matching {@link #type()} is meaningful. Graph
 * attributes (control-flow bodies) are not decoded.
 *
 * @param name attribute name, e.g. {@code epsilon}
 * @param type AttributeType code: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS
 * @param f the FLOAT value
 * @param i the INT value
 * @param s the STRING value (decoded as UTF-8)
 * @param t the TENSOR value, or null
 * @param floats the FLOATS value
 * @param ints the INTS value
 */
public record OnnxAttribute(
    String name, int type, float f, long i, String s, OnnxTensor t, float[] floats, long[] ints) {
  /** AttributeType FLOAT: the value is {@link #f()}. */
  public static final int FLOAT = 1;

  /** AttributeType INT: the value is {@link #i()}. */
  public static final int INT = 2;

  /** AttributeType STRING: the value is {@link #s()}. */
  public static final int STRING = 3;

  /** AttributeType TENSOR: the value is {@link #t()}. */
  public static final int TENSOR = 4;

  /** AttributeType FLOATS: the value is {@link #floats()}. */
  public static final int FLOATS = 6;

  /** AttributeType INTS: the value is {@link #ints()}. */
  public static final int INTS = 7;
}
