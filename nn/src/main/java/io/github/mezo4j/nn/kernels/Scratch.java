package io.github.mezo4j.nn.kernels;

/**
 * Per-thread scratch arrays that grow on demand and are reused across calls, so kernels hold only
 * O(one tile) of extra memory and make no garbage per call. Contents are undefined on entry.
 */
final class Scratch {
  private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

  private float[] a = new float[0];
  private float[] b = new float[0];
  private int[] ints = new int[0];
  private float[] packed = new float[0];
  // The minus half of a paired multiply (MatMul.linearPair): twins of floatsA, floatsB, packed.
  private float[] minusPanel = new float[0];
  private float[] minusRows = new float[0];
  private float[] minusPacked = new float[0];
  private float[] lastRows = new float[0];
  private final float[] tile = new float[MatMul.MR * MatMul.NR];
  private final float[] biasPanel = new float[MatMul.NR];

  private Scratch() {}

  static Scratch get() {
    return CURRENT.get();
  }

  /** First float buffer, at least {@code size} long. */
  float[] floatsA(int size) {
    if (a.length < size) {
      a = new float[size];
    }
    return a;
  }

  /** Second float buffer (distinct from the first), at least {@code size} long. */
  float[] floatsB(int size) {
    if (b.length < size) {
      b = new float[size];
    }
    return b;
  }

  /**
   * A whole packed weight matrix, at least {@code size} long: used by the calling thread of a
   * matrix multiply and read by its workers while it waits, so it is separate from the buffers a
   * worker's own tasks use.
   */
  float[] packedWeights(int size) {
    if (packed.length < size) {
      packed = new float[size];
    }
    return packed;
  }

  /** The last rows of x, zero-padded to a full tile of rows ({@code MatMul.block}). */
  float[] lastRows(int size) {
    if (lastRows.length < size) {
      lastRows = new float[size];
    }
    return lastRows;
  }

  /** The minus half's panel, beside {@link #floatsA}'s plus panel. */
  float[] minusPanel(int size) {
    if (minusPanel.length < size) {
      minusPanel = new float[size];
    }
    return minusPanel;
  }

  /** The minus half's weight rows, beside {@link #floatsB}'s plus rows. */
  float[] minusRows(int size) {
    if (minusRows.length < size) {
      minusRows = new float[size];
    }
    return minusRows;
  }

  /** The minus half's packed weight matrix, beside {@link #packedWeights}. */
  float[] minusPackedWeights(int size) {
    if (minusPacked.length < size) {
      minusPacked = new float[size];
    }
    return minusPacked;
  }

  /** One register tile of {@link MatMul} output. */
  float[] tile(int size) {
    return size <= tile.length ? tile : new float[size];
  }

  /** One panel of bias values for {@link MatMul}. */
  float[] biasPanel(int size) {
    return size <= biasPanel.length ? biasPanel : new float[size];
  }

  /** Int buffer, at least {@code size} long. */
  int[] ints(int size) {
    if (ints.length < size) {
      ints = new int[size];
    }
    return ints;
  }
}
