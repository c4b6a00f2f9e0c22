package io.github.mezo4j.cli;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.io.onnx.OnnxBertImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Resolves a {@code --model} value: the built-in MiniLM, a Hugging Face folder or an .onnx file.
 */
final class Models {
  static final String BUILT_IN = "minilm";

  private Models() {}

  static BertCheckpoint load(String spec) throws IOException {
    if (BUILT_IN.equals(spec)) {
      return MiniLm.load();
    }
    Path path = Path.of(spec);
    if (Files.isDirectory(path)) {
      // The engine computes in f32: widen bf16/f16 checkpoints as they load.
      return HuggingFaceFolder.load(path, DType.F32);
    }
    if (Files.isRegularFile(path) && spec.endsWith(".onnx")) {
      // An .onnx file carries no tokenizer: use a tokenizer.json beside it when there is one.
      Path tokenizerFile = path.resolveSibling("tokenizer.json");
      Optional<TokenizerJson> tokenizer =
          Files.isRegularFile(tokenizerFile)
              ? Optional.of(TokenizerJson.read(tokenizerFile))
              : Optional.empty();
      // The pad id is not in ONNX graphs; it sets RoBERTa-style position ids.
      int padId = tokenizer.isPresent() ? tokenizer.get().padTokenId() : 0;
      return OnnxBertImporter.importBert(
          Files.readAllBytes(path), path.toString(), padId, tokenizer.orElse(null));
    }
    throw new IllegalArgumentException(
        "--model '%s': expected '%s', a Hugging Face model folder (config.json +"
                .formatted(spec, BUILT_IN)
            + " model.safetensors) or an .onnx file"
            + (Files.exists(path) ? "" : ", and no such file or folder exists"));
  }
}
