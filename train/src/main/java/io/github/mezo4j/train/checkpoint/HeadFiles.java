package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.head.ClassifierHead;
import io.github.mezo4j.train.head.LinearHead;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.head.SimilarityHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Saves and loads a {@link ClassifierHead} as a folder: {@value #HEAD_JSON} (kind, labels, and the
 * prompt and similarity heads' scale) and, for the linear and similarity heads, their weights in
 * {@value #HEAD_WEIGHTS} (safetensors, f32, {@code head.weight}, and the linear head's {@code
 * head.bias}). Files are written atomically.
 */
public final class HeadFiles {
  /** The head's description. */
  public static final String HEAD_JSON = "head.json";

  /** The linear head's weights. */
  public static final String HEAD_WEIGHTS = "head.safetensors";

  /** The {@code format} of head.json. */
  public static final String FORMAT = "mezo4j-head";

  /** The newest head.json version this build writes and reads. */
  public static final int VERSION = 1;

  private HeadFiles() {}

  /** Writes {@code head} into {@code dir} (created if needed). */
  public static void save(Path dir, ClassifierHead head) throws IOException {
    Files.createDirectories(dir);
    ObjectNode json = JsonFiles.versioned(FORMAT, VERSION);
    json.put("kind", head.kind());
    json.put("classes", head.classes());
    ArrayNode labels = json.putArray("labels");
    head.labels().forEach(labels::add);
    switch (head) {
      case LinearHead linear -> {
        json.put("dimension", linear.dimension());
        json.put("weights", HEAD_WEIGHTS);
        SafetensorsWriter.write(dir.resolve(HEAD_WEIGHTS), linear.parameters());
      }
      case PromptHead prompt -> json.put("scale", prompt.scale());
      case SimilarityHead similarity -> {
        json.put("scale", similarity.scale());
        json.put("weights", HEAD_WEIGHTS);
        SafetensorsWriter.write(dir.resolve(HEAD_WEIGHTS), similarity.parameters());
      }
    }
    JsonFiles.write(dir.resolve(HEAD_JSON), json);
  }

  /**
   * Loads a head saved by {@link #save}.
   *
   * @param tokenizer tokenizes a prompt head's label texts
   * @param padId the encoder's padding id
   * @throws IOException naming the file and field if the folder is incomplete or inconsistent
   *     (head.json's {@code classes} and {@code dimension} must match the weights' shapes)
   */
  public static ClassifierHead load(Path dir, WordPieceTokenizer tokenizer, int padId)
      throws IOException {
    Path file = dir.resolve(HEAD_JSON);
    ObjectNode json = JsonFiles.readVersioned(file, FORMAT, VERSION);
    ClassifierHead head = build(dir, file, json, tokenizer, padId);
    checkRecorded(json, "classes", head.classes(), file, dir);
    if (head instanceof LinearHead linear) {
      checkRecorded(json, "dimension", linear.dimension(), file, dir);
    }
    return head;
  }

  /** A field head.json records beside the weights must agree with them. */
  private static void checkRecorded(ObjectNode json, String field, int actual, Path file, Path dir)
      throws IOException {
    JsonNode v = json.get(field);
    if (v != null && !(v.isIntegralNumber() && v.asLong() == actual)) {
      throw new IOException(
          "%s: field '%s' is %s but the head in %s has %d".formatted(file, field, v, dir, actual));
    }
  }

  private static ClassifierHead build(
      Path dir, Path file, ObjectNode json, WordPieceTokenizer tokenizer, int padId)
      throws IOException {
    String kind = JsonFiles.require(json, "kind", file).asText();
    List<String> labels = new ArrayList<>();
    for (JsonNode l : JsonFiles.require(json, "labels", file)) {
      labels.add(l.asText());
    }
    return switch (kind) {
      case "prompt" -> {
        double scale = JsonFiles.require(json, "scale", file).asDouble();
        try {
          yield PromptHead.of(labels, scale, tokenizer, padId);
        } catch (IllegalArgumentException e) {
          throw new IOException("%s: %s".formatted(file, e.getMessage()), e);
        }
      }
      case "linear" -> {
        Path weights = dir.resolve(HEAD_WEIGHTS);
        try (SafetensorsReader r = SafetensorsReader.open(weights)) {
          Parameter w = r.read(LinearHead.WEIGHT, DType.F32);
          Parameter b = r.read(LinearHead.BIAS, DType.F32);
          try {
            yield new LinearHead(w, b, labels);
          } catch (IllegalArgumentException e) {
            throw new IOException("%s: %s".formatted(weights, e.getMessage()), e);
          }
        }
      }
      case "similarity" -> {
        Path weights = dir.resolve(HEAD_WEIGHTS);
        try (SafetensorsReader r = SafetensorsReader.open(weights)) {
          Parameter w = r.read(SimilarityHead.WEIGHT, DType.F32);
          double scale = JsonFiles.require(json, "scale", file).asDouble();
          try {
            yield SimilarityHead.of(labels, scale, tokenizer, padId, w);
          } catch (IllegalArgumentException e) {
            throw new IOException("%s: %s".formatted(weights, e.getMessage()), e);
          }
        }
      }
      default ->
          throw new IOException(
              "%s: field 'kind' is '%s'; expected linear, prompt or similarity"
                  .formatted(file, kind));
    };
  }
}
