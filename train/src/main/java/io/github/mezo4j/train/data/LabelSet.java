package io.github.mezo4j.train.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The ordered label names of a task; a label's index is its class id (the column of the class
 * scores and the {@link Example#label()} value).
 *
 * <p>A raw label read from a file is resolved by name first (exactly, then ignoring case), then as
 * a decimal index in {@code 0..size()-1}: SST-2 files hold {@code 0}/{@code 1}, RTE files hold
 * {@code entailment}/{@code not_entailment}, BoolQ holds JSON {@code true}/{@code false}.
 */
public record LabelSet(List<String> names) {

  /** Checks that there are at least two distinct, non-blank names. */
  public LabelSet {
    names = List.copyOf(names);
    if (names.size() < 2) {
      throw new IllegalArgumentException("a task needs at least two labels, got " + names);
    }
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).isBlank()) {
        throw new IllegalArgumentException("label " + i + " is blank in " + names);
      }
      if (names.indexOf(names.get(i)) != i) {
        throw new IllegalArgumentException("label '" + names.get(i) + "' repeats in " + names);
      }
    }
  }

  /** The labels, in class-id order. */
  public static LabelSet of(String... names) {
    return new LabelSet(List.of(names));
  }

  /** The number of classes. */
  public int size() {
    return names.size();
  }

  /** The name of class {@code index}. */
  public String name(int index) {
    return names.get(index);
  }

  /** The class id of a raw label value, or -1 when it is neither a name nor an index in range. */
  public int indexOf(String raw) {
    String value = raw.strip();
    int exact = names.indexOf(value);
    if (exact >= 0) {
      return exact;
    }
    String lower = value.toLowerCase(Locale.ROOT);
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).toLowerCase(Locale.ROOT).equals(lower)) {
        return i;
      }
    }
    if (!value.isEmpty() && value.length() <= 9 && value.chars().allMatch(Character::isDigit)) {
      int index = Integer.parseInt(value);
      return index < names.size() ? index : -1;
    }
    return -1;
  }

  /**
   * The class id of a raw label read from {@code file} at {@code line}.
   *
   * @throws DataFormatException naming the file, line, the value and the allowed labels
   */
  public int resolve(String raw, Path file, long line) throws DataFormatException {
    int index = indexOf(raw);
    if (index < 0) {
      throw new DataFormatException(
          file,
          line,
          "unknown label '%s'; allowed: %s or an index 0..%d"
              .formatted(raw, names, names.size() - 1));
    }
    return index;
  }
}
