package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.text.StrictUtf8;
import io.github.mezo4j.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads and atomically writes the small JSON files of a run (manifests, state, summary). */
public final class JsonFiles {
  /** The mapper every run file goes through (pretty files; compact lines via {@link #line}). */
  public static final JsonMapper MAPPER =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private static final JsonMapper COMPACT = JsonMapper.builder().build();

  private JsonFiles() {}

  /** A new empty JSON object. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /**
   * A new JSON object that starts with a file's {@code format} name and format {@code version}, for
   * {@link #checkFormat} to check when the file is read back.
   */
  public static ObjectNode versioned(String format, int version) {
    ObjectNode o = object();
    o.put("format", format);
    o.put("version", version);
    return o;
  }

  /** Reads a JSON object written by {@link #versioned} and checks its format and version. */
  public static ObjectNode readVersioned(Path file, String format, int newest) throws IOException {
    ObjectNode o = read(file);
    checkFormat(o, file, format, newest);
    return o;
  }

  /**
   * Checks the {@code format} and {@code version} fields of a file read from {@code file}: a
   * version this build does not know is an error naming the file, the version found and the
   * versions this build reads. Files written before the fields existed lack them and read as
   * version 1.
   *
   * @param newest the newest version this build reads (it reads 1 to {@code newest})
   */
  public static void checkFormat(ObjectNode node, Path file, String format, int newest)
      throws IOException {
    JsonNode f = node.get("format");
    if (f != null && !format.equals(f.asText())) {
      throw new IOException("%s: format is %s; expected \"%s\"".formatted(file, f, format));
    }
    JsonNode v = node.get("version");
    if (v == null) {
      return;
    }
    if (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > newest) {
      throw new IOException(
          "%s: format version %s is not supported; this build reads %s (was the file written by a newer mezo4j?)"
              .formatted(file, v, newest == 1 ? "version 1" : "versions 1 to " + newest));
    }
  }

  /** Writes {@code node} pretty-printed to {@code file} atomically (temp file, sync, rename). */
  public static void write(Path file, JsonNode node) throws IOException {
    AtomicFiles.write(
        file, (MAPPER.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** {@code node} on one line, without the newline. */
  public static String line(JsonNode node) {
    try {
      return COMPACT.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a JSON object.
   *
   * @throws NoSuchFileException if it does not exist
   * @throws IOException naming the file if it is not a JSON object
   */
  public static ObjectNode read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "expected a JSON file here");
    }
    JsonNode node;
    try {
      // strict UTF-8 first: left to guess, the JSON parser would take some bytes for UTF-32
      node = MAPPER.readTree(StrictUtf8.decode(Files.readAllBytes(file)));
    } catch (StrictUtf8.NotUtf8Exception e) {
      throw new IOException("%s line %d: %s".formatted(file, e.line(), e.getMessage()), e);
    } catch (JsonProcessingException e) {
      throw new IOException("%s is not valid JSON: %s".formatted(file, e.getOriginalMessage()), e);
    }
    if (!(node instanceof ObjectNode o)) {
      throw new IOException("%s must hold a JSON object".formatted(file));
    }
    return o;
  }

  /** A required field of {@code node} that must hold a JSON object, read from {@code file}. */
  public static ObjectNode requireObject(ObjectNode node, String field, Path file)
      throws IOException {
    if (require(node, field, file) instanceof ObjectNode o) {
      return o;
    }
    throw new IOException(
        "%s: field '%s' must be a JSON object, found %s".formatted(file, field, node.get(field)));
  }

  /** A required field of {@code node}, read from {@code file}. */
  public static JsonNode require(ObjectNode node, String field, Path file) throws IOException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IOException("%s: missing field '%s'".formatted(file, field));
    }
    return v;
  }
}
