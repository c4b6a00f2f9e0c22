package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Runs a command line in-process, as a user would from the shell, with stdin and stdout captured.
 */
public final class CommandRun {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private CommandRun() {}

  /** What a run printed, and its exit code. */
  public record Run(int exitCode, String out, String err) {
    /** Each line of stdout as JSON. */
    public List<JsonNode> jsonLines() throws Exception {
      List<JsonNode> nodes = new ArrayList<>();
      for (String line : out.strip().split("\n")) {
        nodes.add(JSON.readTree(line));
      }
      return nodes;
    }
  }

  /**
   * Runs {@code main} (a {@code Main.run}) on {@code args} with {@code stdin} as standard input.
   */
  public static synchronized Run run(ToIntFunction<String[]> main, byte[] stdin, String... args) {
    InputStream oldIn = System.in;
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setIn(new ByteArrayInputStream(stdin));
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = main.applyAsInt(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setIn(oldIn);
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
