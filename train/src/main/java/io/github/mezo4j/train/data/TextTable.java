package io.github.mezo4j.train.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A TSV or CSV file (or the chosen fields of a JSON Lines file) split into records and fields, each
 * record remembering the line it starts on so that later errors can name it. Line endings may be LF
 * or CRLF; a leading byte-order mark is dropped; rows that are blank after trimming (an empty line,
 * a line of only tabs or spaces) are skipped and their lines kept in {@link #blankLines} for the
 * reader to report.
 *
 * @param file where the table was read from (for messages)
 * @param header the first record's fields when the file has a header, else null
 * @param rows the data records in file order
 * @param blankLines the 1-based lines of the blank rows skipped, in file order
 */
public record TextTable(Path file, List<String> header, List<Row> rows, List<Long> blankLines) {

  /**
   * One record.
   *
   * @param line the 1-based line the record starts on
   * @param fields the record's fields, unmodifiable
   */
  public record Row(long line, List<String> fields) {
    /** Freezes the fields. */
    public Row {
      fields = List.copyOf(fields);
    }
  }

  /** Freezes the header and rows. */
  public TextTable {
    header = header == null ? null : List.copyOf(header);
    rows = List.copyOf(rows);
    blankLines = List.copyOf(blankLines);
  }

  /**
   * Reads a TSV or CSV file.
   *
   * @param hasHeader whether the first record names the columns
   * @throws DataFormatException for an unterminated quote or text after a closing quote (CSV)
   */
  public static TextTable read(Path file, FileFormat format, boolean hasHeader) throws IOException {
    return parse(file, TextFiles.read(file), format, hasHeader);
  }

  /**
   * Splits text already read (e.g. from a class-path resource); {@code file} names it in errors.
   */
  public static TextTable parse(Path file, String text, FileFormat format, boolean hasHeader)
      throws DataFormatException {
    List<Long> blank = new ArrayList<>();
    List<Row> records =
        switch (format) {
          case TSV -> splitTsv(text, blank);
          case CSV -> splitCsv(file, text, blank);
          case JSONL ->
              throw new IllegalArgumentException(file + ": JSONL is not a table; use JsonLines");
        };
    if (!hasHeader) {
      return new TextTable(file, null, records, blank);
    }
    if (records.isEmpty()) {
      throw new DataFormatException(file, 1, "expected a header line, the file is empty");
    }
    List<String> header = records.getFirst().fields().stream().map(String::strip).toList();
    return new TextTable(file, header, records.subList(1, records.size()), blank);
  }

  /**
   * Reads a JSON Lines file (one object per line, blank lines skipped and kept in {@link
   * #blankLines}) as a table whose header is {@code fields} and whose rows hold each object's
   * values of those fields: a scalar as its text ({@code true}, {@code 3.5}), anything else as
   * JSON.
   *
   * @throws DataFormatException naming the line of a line that is not a JSON object or lacks a
   *     field (and the fields it has)
   */
  public static TextTable readJsonl(Path file, List<String> fields) throws IOException {
    String text = TextFiles.read(file);
    List<Row> rows = new ArrayList<>();
    List<Long> blank = new ArrayList<>();
    long lineNo = 0;
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      lineNo++;
      String line = text.substring(start, end).strip();
      start = end + 1;
      if (line.isEmpty()) {
        blank.add(lineNo);
        continue;
      }
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (JacksonException e) {
        throw new DataFormatException(
            file, lineNo, "expected one JSON object per line (" + e.getOriginalMessage() + ")");
      }
      if (node == null || !node.isObject()) {
        throw new DataFormatException(file, lineNo, "expected a JSON object");
      }
      List<String> values = new ArrayList<>(fields.size());
      for (String field : fields) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
          List<String> names = new ArrayList<>();
          node.fieldNames().forEachRemaining(names::add);
          throw new DataFormatException(
              file, lineNo, "expected a field '%s'; the object has %s".formatted(field, names));
        }
        values.add(v.isValueNode() ? v.asText() : v.toString());
      }
      rows.add(new Row(lineNo, values));
    }
    return new TextTable(file, fields, rows, blank);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The index of the header column {@code name}.
   *
   * @throws DataFormatException naming the column and the header, or saying there is no header
   */
  public int column(String name) throws DataFormatException {
    if (header == null) {
      throw new DataFormatException(
          file, 0, "column '%s' asked for by name but the file has no header".formatted(name));
    }
    int index = header.indexOf(name);
    if (index < 0) {
      throw new DataFormatException(
          file, 1, "expected a column '%s' in the header %s".formatted(name, header));
    }
    return index;
  }

  private static List<Row> splitTsv(String text, List<Long> blank) {
    List<Row> rows = new ArrayList<>();
    long lineNo = 0;
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      lineNo++;
      String line = text.substring(start, end);
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (line.isBlank()) {
        blank.add(lineNo);
      } else {
        rows.add(new Row(lineNo, List.of(line.split("\t", -1))));
      }
      start = end + 1;
    }
    return rows;
  }

  // RFC 4180: a field is either plain (no quotes at its start; later quotes are kept as written,
  // as real files do) or quoted ("..." with "" for a quote, may span lines).
  private static List<Row> splitCsv(Path file, String text, List<Long> blank)
      throws DataFormatException {
    List<Row> rows = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    long line = 1;
    long recordLine = 1;
    int i = 0;
    int n = text.length();
    boolean atFieldStart = true;
    while (i < n) {
      char c = text.charAt(i);
      if (atFieldStart && c == '"') {
        long quoteLine = line;
        i++;
        while (true) {
          if (i >= n) {
            throw new DataFormatException(
                file, quoteLine, "expected a closing '\"' for the quoted field opened here");
          }
          char q = text.charAt(i);
          if (q == '"') {
            if (i + 1 < n && text.charAt(i + 1) == '"') {
              field.append('"');
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (q == '\n') {
            line++;
          }
          field.append(q);
          i++;
        }
        if (i < n && text.charAt(i) != ',' && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
          throw new DataFormatException(
              file, line, "expected ',' or the end of the line after a closing '\"'");
        }
        atFieldStart = false;
        continue;
      }
      if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
        atFieldStart = true;
        i++;
      } else if (c == '\n' || c == '\r') {
        int next = (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') ? i + 2 : i + 1;
        fields.add(field.toString());
        addCsvRecord(rows, recordLine, fields, blank);
        fields.clear();
        field.setLength(0);
        atFieldStart = true;
        line++;
        recordLine = line;
        i = next;
      } else {
        field.append(c);
        atFieldStart = false;
        i++;
      }
    }
    if (!fields.isEmpty() || !field.isEmpty()) {
      fields.add(field.toString());
      addCsvRecord(rows, recordLine, fields, blank);
    }
    return rows;
  }

  private static void addCsvRecord(
      List<Row> rows, long line, List<String> fields, List<Long> blank) {
    if (fields.stream().allMatch(String::isBlank)) {
      blank.add(line);
    } else {
      rows.add(new Row(line, fields));
    }
  }
}
