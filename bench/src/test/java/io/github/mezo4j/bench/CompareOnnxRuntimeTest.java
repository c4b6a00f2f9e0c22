package io.github.mezo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.cli.Main;
import io.github.mezo4j.cli.OnnxRuntimeService;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * {@code mezo4j bench forward --compare-onnxruntime} with ONNX Runtime on the class path, as
 * bench/target/benchmarks.jar has it: run in-process with tiny iteration counts.
 */
class CompareOnnxRuntimeTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  record Run(int exitCode, String out, String err) {}

  private static synchronized Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private static JsonNode compare(int threads) throws Exception {
    Run r =
        run(
            "bench",
            "forward",
            "--compare-onnxruntime",
            "--batch",
            "2",
            "--seq",
            "12",
            "--threads",
            Integer.toString(threads),
            "--iters",
            "3",
            "--warmup",
            "1");
    assertEquals(0, r.exitCode(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals(1, lines.length, "one JSON line: " + r.out());
    return JSON.readTree(lines[0]);
  }

  @Test
  void theServiceIsOnnxRuntime() {
    OnnxRuntimeService s = ServiceLoader.load(OnnxRuntimeService.class).findFirst().orElseThrow();
    assertInstanceOf(OnnxRuntimeSessions.class, s);
    assertTrue(s.version().startsWith("onnxruntime 1."), s.version());
  }

  @Test
  void oneThreadPrintsBothEnginesTimesRatiosAndCpuTimes() throws Exception {
    JsonNode j = compare(1);
    assertEquals("minilm", j.get("model").textValue());
    assertTrue(j.get("onnxruntime").textValue().startsWith("onnxruntime "), j.toString());
    assertEquals(2, j.get("batch").intValue());
    assertEquals(12, j.get("seq").intValue());
    assertEquals(1, j.get("threads").intValue());
    assertEquals(3, j.get("iters").intValue());
    for (String key :
        List.of(
            "median_ms",
            "onnxruntime_median_ms",
            "min_ms",
            "onnxruntime_min_ms",
            "tokens_per_s",
            "onnxruntime_tokens_per_s",
            "cpu_median_ms",
            "onnxruntime_cpu_median_ms")) {
      assertTrue(j.get(key).doubleValue() > 0, key + " in " + j);
    }
    // the ratios are the ratios of the printed medians (printed to 3 decimals)
    assertRatio(j, "onnxruntime_median_ms", "median_ms", "speedup");
    assertRatio(j, "onnxruntime_min_ms", "min_ms", "speedup_min");
    assertRatio(j, "onnxruntime_cpu_median_ms", "cpu_median_ms", "speedup_cpu");
    assertTrue(
        j.get("min_ms").doubleValue() <= j.get("median_ms").doubleValue(), "min <= median: " + j);
    // same ONNX file, same ids: the two engines agree (float rounding only)
    double diff = j.get("max_abs_diff").doubleValue();
    assertTrue(diff >= 0 && diff < 1e-3, "max_abs_diff " + diff);
  }

  @Test
  void twoThreadsOmitTheCallingThreadsCpuTimes() throws Exception {
    JsonNode j = compare(2);
    assertEquals(2, j.get("threads").intValue());
    assertRatio(j, "onnxruntime_median_ms", "median_ms", "speedup");
    // at two threads the calling thread's CPU time is not an engine's whole cost
    assertTrue(!j.has("speedup_cpu") && !j.has("cpu_median_ms"), j.toString());
  }

  @Test
  void aModelWithoutAnOnnxFileIsRefusedBeforeLoading() {
    Run r = run("bench", "forward", "--compare-onnxruntime", "--model", "some/hf-folder");
    assertEquals(1, r.exitCode());
    assertTrue(
        r.err().contains("--model must be minilm or an .onnx file, got 'some/hf-folder'"), r.err());
  }

  private static void assertRatio(JsonNode j, String numerator, String denominator, String ratio) {
    double expected = j.get(numerator).doubleValue() / j.get(denominator).doubleValue();
    assertEquals(expected, j.get(ratio).doubleValue(), 1e-3 + 1e-3 * expected, ratio + ": " + j);
  }
}
