package io.github.mezo4j.train.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads examples from a JSON Lines file (one object per line, as SuperGLUE ships): the mapping's
 * columns are field names. Scalar values become their text ({@code true}, {@code 1}); a label may
 * be a string, a number or a boolean and resolves through the task's {@link LabelSet}. Blank lines
 * are skipped and reported on stderr.
 *
 * @param mapping which fields hold the text, second text, label and the kept named fields
 * @param labels the task's labels
 */
public record JsonlExampleReader(ColumnMapping mapping, LabelSet labels) implements ExampleReader {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Checks that every column is a field name. */
  public JsonlExampleReader {
    if (!mapping.text().byName()
        || !mapping.label().byName()
        || (mapping.textPair() != null && !mapping.textPair().byName())
        || !mapping.fields().values().stream().allMatch(Column::byName)) {
      throw new IllegalArgumentException("JSONL columns are field names, not indices");
    }
  }

  @Override
  public List<Example> read(Path file) throws IOException {
    String text = TextFiles.read(file);
    List<Example> out = new ArrayList<>();
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
      String t = value(file, lineNo, node, mapping.text().name(), true);
      String p =
          mapping.textPair() == null
              ? null
              : value(file, lineNo, node, mapping.textPair().name(), true);
      int y =
          labels.resolve(value(file, lineNo, node, mapping.label().name(), false), file, lineNo);
      Map<String, String> fields = new LinkedHashMap<>();
      for (var e : mapping.fields().entrySet()) {
        fields.put(e.getKey(), value(file, lineNo, node, e.getValue().name(), false));
      }
      out.add(new Example(t, p, y, fields));
    }
    TextFiles.reportBlank(file, blank);
    if (out.isEmpty()) {
      throw new DataFormatException(file, 0, "expected at least one example, found none");
    }
    return out;
  }

  private static String value(Path file, long line, JsonNode node, String field, boolean text)
      throws DataFormatException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      throw new DataFormatException(
          file, line, "expected a field '%s'; the object has %s".formatted(field, names));
    }
    String s = v.isValueNode() ? v.asText() : v.toString();
    if (text && s.isBlank()) {
      throw new DataFormatException(
          file, line, "expected a non-empty text in field '%s'".formatted(field));
    }
    return text ? s.strip() : s;
  }
}
