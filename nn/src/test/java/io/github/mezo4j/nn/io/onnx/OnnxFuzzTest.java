package io.github.mezo4j.nn.io.onnx;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import io.github.mezo4j.nn.io.ModelFormatException;

/**
 * Fuzz target for the ONNX importer: any bytes either import as a BERT-family encoder (protobuf
 * decoding, tensors, graph pattern matching, config inference) or fail with {@link
 * ModelFormatException} naming the source.
 */
class OnnxFuzzTest {
  private static final String SOURCE = "fuzzed/model.onnx";

  @FuzzTest(maxDuration = "5m")
  void importBert(byte[] input) throws Exception {
    ParserContract.parseOrReject(
        SOURCE, () -> OnnxBertImporter.importBert(input, SOURCE, 0), ModelFormatException.class);
  }
}
