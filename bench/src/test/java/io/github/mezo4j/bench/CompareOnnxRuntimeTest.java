package io.github.mezo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.bench.cli.BenchMain;
import io.github.mezo4j.cli.CommandRun;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code mezo4j bench forward --compare-onnxruntime}, run in-process with tiny iteration counts.
 */
class CompareOnnxRuntimeTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static CommandRun.Run run(String... args) {
    return CommandRun.run(BenchMain::run, new byte[0], args);
  }

  private static JsonNode compare(int threads) throws Exception {
    CommandRun.Run r =
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
  void theRuntimeIsOnnxRuntime() {
    assertTrue(
        new OnnxRuntimeSessions().version().startsWith("onnxruntime 1."),
        new OnnxRuntimeSessions().version());
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
    CommandRun.Run r =
        run("bench", "forward", "--compare-onnxruntime", "--model", "some/hf-folder");
    assertEquals(1, r.exitCode());
    assertTrue(
        r.err().contains("--model must be minilm or an .onnx file, got 'some/hf-folder'"), r.err());
  }

  private static void assertRatio(JsonNode j, String numerator, String denominator, String ratio) {
    double expected = j.get(numerator).doubleValue() / j.get(denominator).doubleValue();
    assertEquals(expected, j.get(ratio).doubleValue(), 1e-3 + 1e-3 * expected, ratio + ": " + j);
  }
}
