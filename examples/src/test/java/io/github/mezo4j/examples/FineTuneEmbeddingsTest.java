package io.github.mezo4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.train.data.Tasks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example runs end to end on a few STS-B-shaped pairs, so it cannot rot. */
class FineTuneEmbeddingsTest {
  private static final String HEADER = "index\tgenre\tsentence1\tsentence2\tscore\n";

  @Test
  void runsAndReportsSpearman(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("train.tsv"),
        HEADER
            + "0\tx\tA man plays a guitar.\tA man is playing guitar.\t4.8\n"
            + "1\tx\tA dog runs.\tA cat sleeps.\t0.5\n"
            + "2\tx\tKids play football.\tChildren play soccer.\t4.2\n"
            + "3\tx\tIt rains.\tThe streets are wet.\t2.6\n");
    Files.writeString(
        dir.resolve("dev.tsv"),
        HEADER
            + "0\tx\tThe sun is setting.\tThe sun goes down.\t4.6\n"
            + "1\tx\tA plane takes off.\tA man eats an apple.\t0.2\n"
            + "2\tx\tA band plays.\tPeople listen to music.\t2.9\n");
    assertEquals(4, Tasks.pair("stsb").orElseThrow().load(dir).train().size());

    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
    try {
      FineTuneEmbeddings.main(new String[] {dir.toString(), "2", dir.resolve("run").toString()});
    } finally {
      System.setOut(saved);
    }
    String text = stdout.toString(StandardCharsets.UTF_8);
    assertTrue(
        text.matches("(?s)dev Spearman: -?[01]\\.\\d{4} untrained, .* after 2 steps.*"), text);
    assertTrue(Files.isRegularFile(dir.resolve("run/summary.json")));
    assertTrue(Files.size(dir.resolve("run/onnx/model.onnx")) > 80_000_000, "MiniLM's graph");
    assertTrue(Files.isRegularFile(dir.resolve("run/onnx/tokenizer.json")));
  }
}
