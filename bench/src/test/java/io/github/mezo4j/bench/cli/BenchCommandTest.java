package io.github.mezo4j.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.cli.CommandRun;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code mezo4j bench ...} as {@code bin/mezo4j} runs it, in-process. */
class BenchCommandTest {
  private static CommandRun.Run run(String... args) {
    return CommandRun.run(BenchMain::run, new byte[0], args);
  }

  @Test
  void benchForwardPrintsTimings() throws Exception {
    CommandRun.Run r =
        run(
            "bench",
            "forward",
            "--batch",
            "1",
            "--seq",
            "8",
            "--threads",
            "1",
            "--iters",
            "2",
            "--warmup",
            "0");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = r.jsonLines().get(0);
    for (String key : List.of("median_ms", "min_ms", "max_ms", "tokens_per_s")) {
      assertTrue(j.get(key).doubleValue() > 0, key + " in " + j);
    }
    assertTrue(j.get("min_ms").doubleValue() <= j.get("max_ms").doubleValue());
  }

  @Test
  void benchStepPrintsStepAndForwardTimesOfOneRunAndBf16Memory() throws Exception {
    String[] common = {
      "bench",
      "step",
      "--batch",
      "1",
      "--seq",
      "8",
      "--threads",
      "1",
      "--iters",
      "2",
      "--warmup",
      "0"
    };
    CommandRun.Run f32 = run(common);
    assertEquals(0, f32.exitCode(), f32.err());
    JsonNode a = f32.jsonLines().get(0);
    for (String key :
        List.of("step_median_ms", "forward_median_ms", "perturbed_forward_median_ms")) {
      assertTrue(a.get(key).doubleValue() > 0, key + " in " + a);
    }
    assertEquals(
        a.get("step_median_ms").doubleValue() / (2 * a.get("forward_median_ms").doubleValue()),
        a.get("step_over_two_forwards").doubleValue(),
        1e-3 * a.get("step_over_two_forwards").doubleValue());

    List<String> bf16Args = new ArrayList<>(List.of(common));
    bf16Args.addAll(List.of("--dtype", "bf16", "--compare-f32"));
    CommandRun.Run bf16 = run(bf16Args.toArray(String[]::new));
    assertEquals(0, bf16.exitCode(), bf16.err());
    JsonNode b = bf16.jsonLines().get(0);
    assertEquals(
        a.get("weight_bytes").longValue(), 2 * b.get("weight_bytes").longValue(), "half the bytes");
    double diff = b.get("max_abs_diff_vs_f32").doubleValue();
    assertTrue(diff > 0 && diff < 0.05 * b.get("max_abs_f32").doubleValue(), b.toString());

    CommandRun.Run learn =
        run("bench", "learn", "--steps", "2", "--every", "1", "--batch", "2", "--seq", "8");
    assertEquals(0, learn.exitCode(), learn.err());
    assertEquals(3, learn.jsonLines().size(), learn.out());
    assertTrue(Double.isFinite(learn.jsonLines().get(2).get("final_loss").doubleValue()));

    CommandRun.Run dtype = run("bench", "step", "--dtype", "f16");
    assertEquals(1, dtype.exitCode());
    assertTrue(dtype.err().contains("--dtype must be f32 or bf16, got 'f16'"), dtype.err());
  }

  @Test
  void badInputGivesAnActionableErrorAndNonZeroExit() {
    CommandRun.Run seq = run("bench", "forward", "--seq", "4096");
    assertEquals(1, seq.exitCode());
    assertTrue(seq.err().startsWith("mezo4j bench forward: "), seq.err());
    assertTrue(seq.err().contains("max_position_embeddings"), seq.err());
    CommandRun.Run noBenchCommand = run("bench");
    assertEquals(2, noBenchCommand.exitCode());
    assertTrue(noBenchCommand.err().contains("Usage: mezo4j bench"), noBenchCommand.err());
    CommandRun.Run help = run("bench", "forward", "--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("Usage: mezo4j bench forward"), help.out());
  }

  @Test
  void theOtherCommandsStayReachable() {
    CommandRun.Run tokenize = run("tokenize", "--help");
    assertEquals(0, tokenize.exitCode(), tokenize.err());
    assertTrue(tokenize.out().contains("Usage: mezo4j tokenize"), tokenize.out());
  }
}
