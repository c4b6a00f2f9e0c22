package io.github.mezo4j.train.data;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which columns of a file hold the text, the optional second text and the label (the command-line
 * options {@code --text-column}, {@code --text-pair-column}, {@code --label-column}), plus named
 * fields to keep on each {@link Example} for decoder templates.
 *
 * @param text the column of {@link Example#text()}
 * @param textPair the column of {@link Example#textPair()}, or null for single-text tasks
 * @param label the column of the label (a label name or index, see {@link LabelSet})
 * @param fields field name to column, copied into {@link Example#fields()} in this order
 */
public record ColumnMapping(
    Column text, Column textPair, Column label, Map<String, Column> fields) {

  /** Checks the columns and freezes {@code fields}. */
  public ColumnMapping {
    Objects.requireNonNull(text, "text column");
    Objects.requireNonNull(label, "label column");
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** Text and label columns, no second text, no named fields. */
  public static ColumnMapping of(Column text, Column label) {
    return new ColumnMapping(text, null, label, Map.of());
  }

  /** Text, second text and label columns, no named fields. */
  public static ColumnMapping pair(Column text, Column textPair, Column label) {
    return new ColumnMapping(text, Objects.requireNonNull(textPair), label, Map.of());
  }

  /**
   * The mapping the command line describes: {@code --text-column}, {@code --label-column} and the
   * optional {@code --text-pair-column} (null when absent); numbers are indices, else names.
   */
  public static ColumnMapping parse(String text, String label, String textPair) {
    return new ColumnMapping(
        Column.parse(text),
        textPair == null ? null : Column.parse(textPair),
        Column.parse(label),
        Map.of());
  }

  /** This mapping with the named fields {@code fields} kept on each example. */
  public ColumnMapping withFields(Map<String, Column> fields) {
    return new ColumnMapping(text, textPair, label, fields);
  }

  /** Whether any column is given by name (so the file needs a header). */
  public boolean usesNames() {
    return text.byName()
        || label.byName()
        || (textPair != null && textPair.byName())
        || fields.values().stream().anyMatch(Column::byName);
  }
}
