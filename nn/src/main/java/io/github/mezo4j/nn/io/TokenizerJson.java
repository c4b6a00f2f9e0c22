package io.github.mezo4j.nn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The bytes of a Hugging Face {@code tokenizer.json} and where they came from. The tokenizer itself
 * is built by the tokenizer package; loaders only locate and carry the file.
 *
 * @param source the file path or classpath resource, for error messages
 * @param bytes the file's content (owned by this record; do not modify)
 */
public record TokenizerJson(String source, byte[] bytes) {
  /** Rejects null components; keeps {@code bytes} without copying. */
  public TokenizerJson {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(bytes, "bytes");
  }

  /** Reads {@code file} whole. */
  public static TokenizerJson read(Path file) throws IOException {
    return new TokenizerJson(file.toString(), Files.readAllBytes(file));
  }

  /** The content as UTF-8 text (JSON). */
  public String text() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** A fresh stream over the content. */
  public InputStream open() {
    return new ByteArrayInputStream(bytes);
  }

  /**
   * The id the tokenizer pads with ({@code padding.pad_id}; 0 for MiniLM, 1 for RoBERTa). ONNX
   * graphs do not record it, yet RoBERTa-style position ids depend on it.
   *
   * @throws ModelFormatException if the JSON is invalid or has no integer {@code padding.pad_id}
   */
  public int padTokenId() throws ModelFormatException {
    JsonNode root;
    try {
      root = JsonMapper.builder().build().readTree(bytes);
    } catch (IOException e) {
      throw new ModelFormatException(source, "invalid JSON: " + e.getMessage(), e);
    }
    JsonNode padId = root.path("padding").path("pad_id");
    if (!padId.isIntegralNumber()) {
      throw new ModelFormatException(
          source, "missing field 'padding.pad_id' (expected an integer)");
    }
    return padId.intValue();
  }
}
