package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import jdk.incubator.vector.FloatVector;

/** Embedding look-ups: rows of a table {@code [vocab, dim]} selected by integer ids. */
public final class Embedding {
  private Embedding() {}

  /**
   * {@code out[i, :] = table[ids[i], :]} for i in [0, ids.length), out being {@code [ids.length,
   * dim]}. An id outside [0, vocab) throws IllegalArgumentException naming its position and value.
   */
  public static void gather(float[] table, int vocab, int dim, int[] ids, float[] out) {
    check(table, vocab, dim, ids, out);
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(table, row(ids, i, vocab) * dim, out, i * dim, dim);
    }
  }

  /** {@code out[i, :] += table[ids[i], :]} (position and token-type embeddings are added). */
  public static void addGather(float[] table, int vocab, int dim, int[] ids, float[] out) {
    check(table, vocab, dim, ids, out);
    for (int i = 0; i < ids.length; i++) {
      int src = row(ids, i, vocab) * dim;
      int dst = i * dim;
      int c = 0;
      for (int upper = SPECIES.loopBound(dim); c < upper; c += LANES) {
        FloatVector.fromArray(SPECIES, out, dst + c)
            .add(FloatVector.fromArray(SPECIES, table, src + c))
            .intoArray(out, dst + c);
      }
      for (; c < dim; c++) {
        out[dst + c] += table[src + c];
      }
    }
  }

  /**
   * {@link #gather} ({@code add} false) or {@link #addGather} ({@code add} true) from a table read
   * through {@code table}, f32 or bf16, with or without noise: only the rows the ids name are read,
   * each as often as it is named, so a perturbed table costs noise for those rows alone.
   *
   * @param row scratch of at least {@code table.cols()} floats
   */
  public static void gather(Weights table, int[] ids, boolean add, float[] out, float[] row) {
    int vocab = table.rows();
    int dim = table.cols();
    float[] plain = table.plainF32();
    if (plain != null) {
      if (add) {
        addGather(plain, vocab, dim, ids, out);
      } else {
        gather(plain, vocab, dim, ids, out);
      }
      return;
    }
    Checks.length("out", out, (long) ids.length * dim);
    for (int i = 0; i < ids.length; i++) {
      row(ids, i, vocab);
    }
    for (int i = 0; i < ids.length; i++) {
      if (add) {
        table.readRow(ids[i], row, 0);
        for (int c = 0; c < dim; c++) {
          out[i * dim + c] += row[c];
        }
      } else {
        table.readRow(ids[i], out, i * dim);
      }
    }
  }

  private static void check(float[] table, int vocab, int dim, int[] ids, float[] out) {
    Checks.nonNegative("vocab", vocab);
    Checks.nonNegative("dim", dim);
    Checks.length("table", table, (long) vocab * dim);
    if (ids == null) {
      throw new IllegalArgumentException("ids must not be null");
    }
    Checks.length("out", out, (long) ids.length * dim);
    // Validate every id before writing anything, so a bad id leaves out untouched.
    for (int i = 0; i < ids.length; i++) {
      row(ids, i, vocab);
    }
  }

  private static int row(int[] ids, int i, int vocab) {
    int id = ids[i];
    if (id < 0 || id >= vocab) {
      throw new IllegalArgumentException(
          "ids[" + i + "] = " + id + " is outside the vocabulary [0, " + vocab + ")");
    }
    return id;
  }
}
