package io.github.mezo4j.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The comparison's own logic against a stand-in runtime. */
class ForwardComparisonTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A stand-in "runtime" that runs our own encoder, its output passed through {@code output}. */
  private static OnnxRuntimeService standIn(
      BertEncoder encoder, Workers workers, AtomicInteger runs, UnaryOperator<float[]> output) {
    return new OnnxRuntimeService() {
      @Override
      public String version() {
        return "stand-in 0";
      }

      @Override
      public Session open(byte[] onnx, EncoderInput input, int threads) {
        assertEquals(workers.threads(), threads, "intra-op threads = --threads");
        return new Session() {
          @Override
          public void run() {
            runs.incrementAndGet();
            encoder.forward(input, workers);
          }

          @Override
          public float[] firstOutput() {
            return output.apply(encoder.forward(input, workers));
          }

          @Override
          public void close() {}
        };
      }
    };
  }

  @Test
  void comparesInterleavedAndChecksTheOutputsAgree() throws Exception {
    BertCheckpoint minilm = MiniLm.load();
    BertEncoder encoder = BertEncoder.of(minilm.config(), minilm.parameters());
    EncoderInput input = EncoderInput.random(5, 1, 6, minilm.config().vocabSize(), 0);
    try (Workers one = Workers.of(1)) {
      AtomicInteger runs = new AtomicInteger();
      String line =
          ForwardComparison.run(
              encoder,
              "minilm",
              new byte[0],
              input,
              one,
              2,
              3,
              standIn(encoder, one, runs, h -> h));
      assertEquals(2 + 3, runs.get(), "warm-up and timed passes of the other engine");
      JsonNode j = JSON.readTree(line);
      assertEquals("stand-in 0", j.get("onnxruntime").textValue());
      assertEquals(0.0, j.get("max_abs_diff").doubleValue(), "the same engine: identical");
      assertEquals(1, j.get("batch").intValue());
      assertEquals(6, j.get("seq").intValue());
      assertTrue(j.get("speedup_cpu").doubleValue() > 0, line);

      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> {
                var cut = standIn(encoder, one, runs, h -> Arrays.copyOf(h, h.length / 6));
                ForwardComparison.run(encoder, "minilm", new byte[0], input, one, 0, 1, cut);
              });
      assertTrue(
          e.getMessage().contains("first output has 384 floats, expected the last hidden states"),
          e.getMessage());
    }
  }
}
