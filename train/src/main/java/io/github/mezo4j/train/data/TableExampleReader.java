package io.github.mezo4j.train.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads examples from a TSV or CSV file through a {@link ColumnMapping}. Every row must have as
 * many fields as the header (or, without a header, as the first row) unless {@code
 * allowExtraFields} is set; rows blank after trimming are skipped and reported on stderr ({@code
 * skipped 1 blank row: data.tsv:17}); texts are trimmed (GLUE leaves a space before the tab) and
 * must not be empty; labels resolve through the task's {@link LabelSet}.
 *
 * @param format TSV or CSV
 * @param hasHeader whether the first line names the columns
 * @param mapping which columns hold what
 * @param labels the task's labels
 * @param allowExtraFields whether rows may carry more fields than the header (SNLI)
 */
public record TableExampleReader(
    FileFormat format,
    boolean hasHeader,
    ColumnMapping mapping,
    LabelSet labels,
    boolean allowExtraFields)
    implements ExampleReader {

  /** Checks that the format is a table and that named columns come with a header. */
  public TableExampleReader {
    if (format == FileFormat.JSONL) {
      throw new IllegalArgumentException("JSONL is read by JsonlExampleReader");
    }
    if (!hasHeader && mapping.usesNames()) {
      throw new IllegalArgumentException(
          "columns given by name need a file with a header; give 0-based indices instead");
    }
  }

  @Override
  public List<Example> read(Path file) throws IOException {
    return examples(TextTable.read(file, format, hasHeader));
  }

  /** The examples of text already read; {@code file} names it in error messages. */
  public List<Example> parse(Path file, String text) throws DataFormatException {
    return examples(TextTable.parse(file, text, format, hasHeader));
  }

  private List<Example> examples(TextTable table) throws DataFormatException {
    Path file = table.file();
    TextFiles.reportBlank(file, table.blankLines());
    int text = index(table, mapping.text());
    int pair = mapping.textPair() == null ? -1 : index(table, mapping.textPair());
    int label = index(table, mapping.label());
    Map<String, Integer> named = new LinkedHashMap<>();
    for (var e : mapping.fields().entrySet()) {
      named.put(e.getKey(), index(table, e.getValue()));
    }
    int width = table.header() != null ? table.header().size() : -1;
    List<Example> out = new ArrayList<>(table.rows().size());
    for (TextTable.Row row : table.rows()) {
      List<String> f = row.fields();
      if (width < 0) {
        width = f.size();
      }
      if (f.size() < width || (f.size() > width && !allowExtraFields)) {
        throw new DataFormatException(
            file,
            row.line(),
            "expected %d %s-separated fields%s, got %d"
                .formatted(
                    width,
                    format == FileFormat.TSV ? "tab" : "comma",
                    table.header() != null ? " " + table.header() : "",
                    f.size()));
      }
      String t = cell(file, row, text, mapping.text(), true);
      String p = pair < 0 ? null : cell(file, row, pair, mapping.textPair(), true);
      int y = labels.resolve(cell(file, row, label, mapping.label(), false), file, row.line());
      Map<String, String> fields = new LinkedHashMap<>();
      for (var e : named.entrySet()) {
        fields.put(
            e.getKey(), cell(file, row, e.getValue(), mapping.fields().get(e.getKey()), false));
      }
      out.add(new Example(t, p, y, fields));
    }
    if (out.isEmpty()) {
      throw new DataFormatException(file, 0, "expected at least one example, found none");
    }
    return out;
  }

  private static int index(TextTable table, Column column) throws DataFormatException {
    if (column.byName()) {
      return table.column(column.name());
    }
    return column.index();
  }

  private static String cell(Path file, TextTable.Row row, int index, Column column, boolean text)
      throws DataFormatException {
    List<String> f = row.fields();
    int i = index == Column.LAST.index() ? f.size() - 1 : index;
    if (i >= f.size()) {
      throw new DataFormatException(
          file, row.line(), "expected %s, the row has only %d fields".formatted(column, f.size()));
    }
    String value = f.get(i).strip();
    if (text && value.isEmpty()) {
      throw new DataFormatException(
          file, row.line(), "expected a non-empty text in %s".formatted(column));
    }
    return value;
  }
}
