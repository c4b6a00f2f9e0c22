package io.github.mezo4j.nn.kernels;

/**
 * Argument checks shared by the kernels: every failure names the argument and what was expected.
 */
final class Checks {
  private Checks() {}

  /** Throws unless {@code value >= 0}. */
  static void nonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
  }

  /** Throws unless {@code value >= 1}. */
  static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }

  /** Throws unless {@code array} is non-null and holds at least {@code needed} elements. */
  static void length(String name, float[] array, long needed) {
    if (array == null) {
      throw new IllegalArgumentException(name + " must not be null (needs " + needed + " floats)");
    }
    fits(name, needed);
    if (array.length < needed) {
      throw new IllegalArgumentException(
          name + " has " + array.length + " floats, expected at least " + needed);
    }
  }

  /** Throws unless {@code array} is non-null and holds at least {@code needed} elements. */
  static void length(String name, int[] array, long needed) {
    if (array == null) {
      throw new IllegalArgumentException(name + " must not be null (needs " + needed + " ints)");
    }
    fits(name, needed);
    if (array.length < needed) {
      throw new IllegalArgumentException(
          name + " has " + array.length + " ints, expected at least " + needed);
    }
  }

  /** Throws when {@code offset + needed} elements do not fit in {@code array}. */
  static void range(String name, float[] array, int offset, long needed) {
    nonNegative(name + " offset", offset);
    length(name, array, offset + needed);
  }

  private static void fits(String name, long needed) {
    if (needed > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          name + " would need " + needed + " elements, more than a Java array holds");
    }
  }

  /** Throws when two arrays that must be distinct are the same array. */
  static void distinct(String nameA, float[] a, String nameB, float[] b) {
    if (a == b) {
      throw new IllegalArgumentException(nameA + " and " + nameB + " must be different arrays");
    }
  }

  /** Throws unless {@code mask[0, len)} holds only 0 (padding) and 1 (token). */
  static void mask(String name, int[] mask, int len) {
    for (int i = 0; i < len; i++) {
      if (mask[i] != 0 && mask[i] != 1) {
        throw new IllegalArgumentException(
            name + "[" + i + "] = " + mask[i] + ", expected 0 (padding) or 1 (token)");
      }
    }
  }
}
