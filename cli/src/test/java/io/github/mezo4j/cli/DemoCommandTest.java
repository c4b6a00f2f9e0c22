package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mezo4j demo} runs offline from what the jar holds (MiniLM and the demo reviews): a short
 * run (the one slow test of the fine-tuning commands: it loads MiniLM).
 */
class DemoCommandTest {
  @Test
  void demoRunsOfflineAndWritesItsReport(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("demo");
    String[] args = {
      "demo",
      "--out",
      out.toString(),
      "--steps",
      "2",
      "--eval-every",
      "2",
      "--batch",
      "4",
      "--threads",
      "2"
    };
    MainTest.Run r = MainTest.run("", args);
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("dev accuracy"), r.out());
    JsonNode s = JsonMapper.builder().build().readTree(out.resolve("summary.json").toFile());
    assertEquals("demo", s.get("task").asText());
    assertEquals(2, s.get("steps").asInt());
    assertEquals(100, s.get("dev_examples").asInt());
    // the pretrained sentence encoder with label prompts beats chance zero-shot
    assertTrue(s.get("initial_dev_metric").asDouble() > 0.6, s.toString());
    assertEquals(800, ImageIO.read(out.resolve("train_loss.png").toFile()).getWidth());
    // a rerun replaces the earlier demo instead of refusing
    assertEquals(0, MainTest.run("", args).exitCode());
    assertTrue(Files.isRegularFile(out.resolve("metrics.jsonl")));
  }
}
