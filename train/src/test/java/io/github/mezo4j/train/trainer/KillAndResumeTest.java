package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.RunFolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real training JVM killed with SIGKILL mid-run (no shutdown hooks, no closing of files) resumes
 * to the weights, metrics and checkpoints of an uninterrupted run.
 */
class KillAndResumeTest {
  private static final int STEPS = 60;
  private static final int EVAL_EVERY = 10;

  @Test
  void killNineMidRunThenResume(@TempDir Path tmp) throws Exception {
    Path killed = tmp.resolve("killed");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-modules=jdk.incubator.vector");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(TinyRunMain.class.getName());
    cmd.add(killed.toString());
    cmd.add(Integer.toString(STEPS));
    cmd.add(Integer.toString(EVAL_EVERY));
    cmd.add("25");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile())
            .start();
    try {
      // kill once it is past two checkpoints and between two evaluations
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (trainSteps(killed) < 27) {
        assertTrue(p.isAlive(), () -> "the child ended early: " + log(tmp));
        assertTrue(System.nanoTime() < deadline, "the child made no progress: " + log(tmp));
        Thread.sleep(5);
      }
    } finally {
      p.destroyForcibly(); // SIGKILL on POSIX
      p.waitFor(30, TimeUnit.SECONDS);
    }
    long reached = trainSteps(killed);
    assertTrue(reached >= 27 && reached < STEPS, "killed at step " + reached);
    assertTrue(!Files.exists(killed.resolve(RunFolder.SUMMARY)), "the child finished");

    FineTuneConfig config = TinyTask.config("linear", STEPS, EVAL_EVERY, true);
    FineTuner.Result resumed = FineTuner.run(TinyTask.run(config, killed, true, 2, null));
    Path whole = tmp.resolve("whole");
    FineTuner.Result expected = FineTuner.run(TinyTask.run(config, whole, false, 1, null));
    ResumeTest.assertSameRun(expected, whole, resumed, killed);
  }

  private static long trainSteps(Path dir) throws IOException {
    Path m = dir.resolve(RunFolder.METRICS);
    if (!Files.exists(m)) {
      return 0;
    }
    return Files.readAllLines(m, StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains("\"event\":\"train\"") && l.endsWith("}"))
        .count();
  }

  private static String log(Path tmp) {
    try {
      return Files.readString(tmp.resolve("child.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
