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
 * run (the one slow test of the fine-tuning commands: it loads MiniLM) in which MeZO lifts the
 * uninformed default head from chance.
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
      "10",
      "--eval-every",
      "10",
      "--batch",
      "8",
      "--threads",
      "2"
    };
    CommandRun.Run r = MainTest.run("", args);
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("dev accuracy"), r.out());
    JsonNode s = JsonMapper.builder().build().readTree(out.resolve("summary.json").toFile());
    assertEquals("demo", s.get("task").asText());
    assertEquals(10, s.get("steps").asInt());
    assertEquals(100, s.get("dev_examples").asInt());
    assertEquals("similarity", s.get("head").asText());
    // the head starts uninformed: every class scores 0, argmax picks class 0, half the dev set
    assertEquals(0.5, s.get("initial_dev_metric").asDouble(), s.toString());
    // ten MeZO steps (80 sentences seen) already lift it far above chance on the 100 dev reviews
    assertTrue(s.get("final_dev_metric").asDouble() >= 0.7, s.toString());
    assertTrue(s.get("final_dev_loss").asDouble() < Math.log(2), s.toString());
    assertEquals(800, ImageIO.read(out.resolve("train_loss.png").toFile()).getWidth());
    // a rerun replaces the earlier demo instead of refusing
    args[4] = "0";
    assertEquals(0, MainTest.run("", args).exitCode());
    assertTrue(Files.isRegularFile(out.resolve("metrics.jsonl")));
  }
}
