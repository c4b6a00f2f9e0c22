package io.github.mezo4j.nn.io.onnx;

import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.AtomicFiles;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.io.onnx.OnnxBertImporter.GraphWeight;
import io.github.mezo4j.nn.model.BertConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Exports a fine-tuned BERT-family encoder as {@code model.onnx} + {@code tokenizer.json}, for the
 * applications that run sentence-embedding models in ONNX Runtime. Two ways, by where the model
 * came from:
 *
 * <ul>
 *   <li>{@link #write(Path, byte[], String, ParameterSet, TokenizerJson)}: the model was imported
 *       from an ONNX file (the built-in MiniLM, an .onnx file). Its own graph is kept, with the
 *       fine-tuned values in its initializers, so the result replaces the original in an
 *       application unchanged: same operators, same input, output and initializer names.
 *   <li>{@link #write(Path, BertConfig, ParameterSet, TokenizerJson)}: any other model (a Hugging
 *       Face folder). A new graph of standard operators is written ({@link OnnxBertGraph}), with
 *       the inputs and output of the usual Hugging Face export of sentence-transformers models.
 * </ul>
 *
 * <pre>{@code
 * BertCheckpoint base = MiniLm.load();
 * BertEncoder encoder = BertEncoder.of(base.config(), base.parameters());
 * // ... fine-tune encoder.parameters() ...
 * OnnxExport.write(Path.of("out"), MiniLm.onnxBytes(), "minilm", encoder.mergedParameters(),
 *     base.tokenizer().orElseThrow());   // out/model.onnx, out/tokenizer.json
 * }</pre>
 *
 * <p>Into a source graph, each weight is found the way {@link OnnxBertImporter} found it (the same
 * mapping), and its values overwrite the initializer's {@code raw_data} in place, in the
 * initializer's own data type (FLOAT, FLOAT16, BFLOAT16 or DOUBLE): weights trained in bf16 are
 * written as the source's f32, and MatMul operands are transposed back to their [in, out] layout.
 * Every other byte of the file is copied, so exporting unchanged weights reproduces the source file
 * byte for byte.
 *
 * <p>Both ways write every file completely to a temporary file beside its target before any target
 * is replaced ({@link AtomicFiles}), so a failed export leaves no partial model.
 */
public final class OnnxExport {
  /** The model file written by {@link #write}. */
  public static final String MODEL_FILE = "model.onnx";

  /** The tokenizer file written by {@link #write}. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  private OnnxExport() {}

  /**
   * Writes {@code dir/model.onnx}, the source graph with {@code weights} in its initializers, and,
   * when {@code tokenizer} is not null, {@code dir/tokenizer.json}. Both files are written
   * completely before either replaces an existing file; the folder is created if missing.
   *
   * @param dir the folder to write into
   * @param sourceModel the bytes of the ONNX file the model was imported from
   * @param source the source's name, for error messages
   * @param weights every weight of the model, under {@link io.github.mezo4j.nn.io.BertNames} names
   *     (a LoRA-trained encoder's {@code mergedParameters()})
   * @param tokenizer the model's tokenizer.json, or null to write none
   * @throws ModelFormatException naming the tensor if a weight has no initializer, an initializer
   *     no weight, or shapes differ; nothing is written then
   */
  public static void write(
      Path dir, byte[] sourceModel, String source, ParameterSet weights, TokenizerJson tokenizer)
      throws IOException {
    writeFiles(dir, replaceWeights(sourceModel, source, weights), tokenizer);
  }

  /**
   * Writes {@code dir/model.onnx}, a new graph of standard ONNX operators computing the encoder
   * ({@link OnnxBertGraph}: inputs {@code input_ids}, {@code attention_mask}, {@code
   * token_type_ids}, output {@code last_hidden_state}), and, when {@code tokenizer} is not null,
   * {@code dir/tokenizer.json}. Both files are written completely before either replaces an
   * existing file; the folder is created if missing.
   *
   * @param dir the folder to write into
   * @param config the encoder's configuration ({@code hidden_act} must be {@code gelu})
   * @param weights the encoder's weights under {@link io.github.mezo4j.nn.io.BertNames} names (a
   *     LoRA-trained encoder's {@code mergedParameters()}); a pooler is left out
   * @param tokenizer the model's tokenizer.json, or null to write none
   * @throws ModelFormatException naming the tensor that is missing, misshapen or not an encoder
   *     weight; nothing is written then
   */
  public static void write(
      Path dir, BertConfig config, ParameterSet weights, TokenizerJson tokenizer)
      throws IOException {
    writeFiles(dir, OnnxBertGraph.build(config, weights), tokenizer);
  }

  private static void writeFiles(Path dir, byte[] model, TokenizerJson tokenizer)
      throws IOException {
    List<AtomicFiles.Staged> staged = new ArrayList<>();
    try {
      staged.add(AtomicFiles.stage(dir.resolve(MODEL_FILE), model));
      if (tokenizer != null) {
        staged.add(AtomicFiles.stage(dir.resolve(TOKENIZER_FILE), tokenizer.bytes()));
      }
    } catch (IOException | RuntimeException | Error e) {
      AtomicFiles.discard(staged);
      throw e;
    }
    AtomicFiles.commit(staged);
  }

  /**
   * The bytes of {@code sourceModel} with each weight initializer's data replaced by the values of
   * the weight of the same {@link io.github.mezo4j.nn.io.BertNames} name in {@code weights}.
   *
   * @throws ModelFormatException naming the tensor if the graph has an initializer the importer
   *     cannot map, an initializer whose weight is missing from {@code weights}, a weight with no
   *     initializer, a shape mismatch, or an initializer that keeps its values in typed fields
   *     instead of {@code raw_data}
   */
  public static byte[] replaceWeights(byte[] sourceModel, String source, ParameterSet weights)
      throws ModelFormatException {
    Objects.requireNonNull(weights, "weights");
    OnnxGraph graph = OnnxGraph.parse(sourceModel, source);
    List<GraphWeight> slots =
        OnnxBertImporter.graphWeights(graph, OnnxBertImporter.modelType(graph));
    Set<String> mapped = new HashSet<>();
    for (GraphWeight slot : slots) {
      mapped.add(slot.name());
    }
    for (Parameter p : weights) {
      if (!mapped.contains(p.name())) {
        throw new ModelFormatException(
            source,
            "weight '%s' has no initializer in the graph, so it cannot be exported into it"
                .formatted(p.name()));
      }
    }
    byte[] out = sourceModel.clone();
    for (GraphWeight slot : slots) {
      Parameter p = weights.contains(slot.name()) ? weights.get(slot.name()) : null;
      if (p == null) {
        throw new ModelFormatException(
            source,
            "initializer '%s' holds the weight '%s', which the weights to export lack"
                .formatted(slot.tensor().name(), slot.name()));
      }
      overwrite(out, slot, p, source);
    }
    return out;
  }

  /** Writes {@code p}'s values over {@code slot}'s raw_data in {@code model}. */
  private static void overwrite(byte[] model, GraphWeight slot, Parameter p, String source)
      throws ModelFormatException {
    OnnxTensor t = slot.tensor();
    int[] shape = t.shape();
    int[] expected = slot.transposed() ? new int[] {shape[1], shape[0]} : shape;
    if (!Arrays.equals(expected, p.shape())) {
      throw new ModelFormatException(
          source,
          "initializer '%s' (weight '%s') needs shape %s, the weight to export has %s"
              .formatted(
                  t.name(), p.name(), Arrays.toString(expected), Arrays.toString(p.shape())));
    }
    if (!t.hasRawData()) {
      throw new ModelFormatException(
          source,
          ("initializer '%s' keeps its values in a typed field, not raw_data; export writes"
                  + " raw_data only")
              .formatted(t.name()));
    }
    float[] values = p.toFloatArray();
    if (slot.transposed()) {
      values = OnnxBertImporter.transpose(values, shape[1], shape[0]); // [out, in] -> [in, out]
    }
    int elementBytes =
        switch (t.dataType()) {
          case OnnxTensor.FLOAT -> 4;
          case OnnxTensor.DOUBLE -> 8;
          case OnnxTensor.FLOAT16, OnnxTensor.BFLOAT16 -> 2;
          default ->
              throw new ModelFormatException(
                  source,
                  "initializer '%s' has data_type %d, expected a floating-point type"
                      .formatted(t.name(), t.dataType()));
        };
    if ((long) values.length * elementBytes != t.rawLength()) {
      throw new ModelFormatException(
          source,
          "initializer '%s': raw_data holds %d bytes, %d values of data_type %d need %d"
              .formatted(
                  t.name(),
                  t.rawLength(),
                  values.length,
                  t.dataType(),
                  (long) values.length * elementBytes));
    }
    ByteBuffer buf =
        ByteBuffer.wrap(model, t.rawOffset(), t.rawLength()).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      switch (t.dataType()) {
        case OnnxTensor.FLOAT -> buf.putFloat(v);
        case OnnxTensor.DOUBLE -> buf.putDouble(v);
        case OnnxTensor.FLOAT16 -> buf.putShort(Float.floatToFloat16(v));
        default -> buf.putShort(BFloat16.fromFloat(v));
      }
    }
  }
}
