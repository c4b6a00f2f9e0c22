package io.github.mezo4j.train.data;

import java.util.Objects;

/**
 * A column of a data file, by header name or by 0-based index; {@link #LAST} is the last field of
 * each row (SNLI's TSV rows carry extra annotator columns, and the gold label is the last one).
 *
 * <p>{@link #parse(String)} gives the command-line meaning of {@code --text-column} and friends: a
 * number is an index, anything else a header name (for JSONL, a field name).
 *
 * @param name the header name, or null when the column is given by index
 * @param index the 0-based index, or -1 when given by name ({@code Integer.MAX_VALUE} for LAST)
 */
public record Column(String name, int index) {

  /** The last field of each row, however many fields the row has. */
  public static final Column LAST = new Column(null, Integer.MAX_VALUE);

  /** Checks that exactly one of name and index is given. */
  public Column {
    if ((name == null) == (index < 0)) {
      throw new IllegalArgumentException("a column has either a name or an index >= 0");
    }
    if (name != null && name.isBlank()) {
      throw new IllegalArgumentException("a column name must not be blank");
    }
  }

  /** The column with this header (or JSON field) name. */
  public static Column named(String name) {
    return new Column(Objects.requireNonNull(name, "name"), -1);
  }

  /** The column at this 0-based index. */
  public static Column at(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("a column index must be >= 0, got " + index);
    }
    return new Column(null, index);
  }

  /** A decimal number is an index, anything else a name. */
  public static Column parse(String spec) {
    String s = Objects.requireNonNull(spec, "spec").strip();
    if (!s.isEmpty() && s.length() <= 9 && s.chars().allMatch(Character::isDigit)) {
      return at(Integer.parseInt(s));
    }
    return named(s);
  }

  /** Whether this column is given by name. */
  public boolean byName() {
    return name != null;
  }

  @Override
  public String toString() {
    if (this.equals(LAST)) {
      return "the last column";
    }
    return name != null ? "column '" + name + "'" : "column " + index;
  }
}
