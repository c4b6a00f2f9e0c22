package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real training JVM killed with SIGKILL (no shutdown hooks, no closing of files) resumes to the
 * weights, metrics, checkpoints and summary of an uninterrupted run, wherever the kill lands: mid
 * run, in the last 5% of the steps, and after the final checkpoint before the summary is written.
 * While the child runs, a second writer into its folder is refused. {@code -Dmezo4j.killTrials=N}
 * adds N kills at random points over the whole run (the stress variant, {@code
 * tools/kill-resume-stress.sh}).
 */
class KillAndResumeTest {
  private static final int STEPS = 60;
  private static final int EVAL_EVERY = 10;

  @Test
  void killNineAnywhereThenResume(@TempDir Path tmp) throws Exception {
    FineTuneConfig config = TinyTask.config("linear", STEPS, EVAL_EVERY, true);
    Path whole = tmp.resolve("whole");
    FineTuner.Result expected = FineTuner.run(TinyTask.run(config, whole, false, 1, null));

    List<Kill> kills = new ArrayList<>();
    // past two checkpoints and between two evaluations
    kills.add(new Kill("mid-run", dir -> trainSteps(dir) >= 27, true));
    // in the last 5%: after the last evaluation but one, before the final one
    kills.add(new Kill("last-5pct", dir -> trainSteps(dir) >= STEPS - 2, false));
    // after the final checkpoint, before summary.json (the child waits there)
    kills.add(new Kill("after-final-checkpoint", dir -> stateStep(dir) == STEPS, false));
    int extra = Integer.getInteger("mezo4j.killTrials", 0);
    SplittableRandom random = new SplittableRandom(Long.getLong("mezo4j.killSeed", 16));
    for (int i = 0; i < extra; i++) {
      int at = 1 + random.nextInt(STEPS); // 1..STEPS: the whole run, the last step included
      kills.add(new Kill("random-" + at, dir -> trainSteps(dir) >= at, false));
    }
    for (Kill kill : kills) {
      Path killed = tmp.resolve(kill.name());
      killChild(tmp, killed, kill);
      assertFalse(Files.exists(killed.resolve(RunFolder.SUMMARY)), kill.name() + ": finished");
      FineTuner.Result resumed = FineTuner.run(TinyTask.run(config, killed, true, 2, null));
      ResumeTest.assertSameRun(expected, whole, resumed, killed);
    }
  }

  /** Where to kill, and whether to try a second writer into the child's folder first. */
  private record Kill(String name, Predicate<Path> when, boolean tryASecondWriter) {}

  private static void killChild(Path tmp, Path out, Kill kill) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-modules=jdk.incubator.vector");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(TinyRunMain.class.getName());
    cmd.add(out.toString());
    cmd.add(Integer.toString(STEPS));
    cmd.add(Integer.toString(EVAL_EVERY));
    cmd.add("25");
    cmd.add("60000"); // after the last step: long enough to be killed there
    Path log = tmp.resolve(kill.name() + ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!kill.when().test(out)) {
        assertTrue(p.isAlive(), () -> kill.name() + ": the child ended early: " + read(log));
        assertTrue(System.nanoTime() < deadline, kill.name() + ": no progress: " + read(log));
        Thread.sleep(2);
      }
      if (kill.tryASecondWriter()) {
        FineTuneConfig config = TinyTask.config("linear", STEPS, EVAL_EVERY, true);
        IllegalStateException busy =
            assertThrows(
                IllegalStateException.class,
                () -> FineTuner.run(TinyTask.run(config, out, true, 1, null)));
        assertTrue(busy.getMessage().contains("process " + p.pid()), busy.getMessage());
        assertTrue(p.isAlive(), "the refused writer disturbed the child");
      }
    } finally {
      p.destroyForcibly(); // SIGKILL on POSIX
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static long trainSteps(Path dir) {
    Path m = dir.resolve(RunFolder.METRICS);
    try {
      return Files.readAllLines(m, StandardCharsets.UTF_8).stream()
          .filter(l -> l.contains("\"event\":\"train\"") && l.endsWith("}"))
          .count();
    } catch (IOException e) {
      return 0; // not there yet, or being replaced
    }
  }

  private static long stateStep(Path dir) {
    try {
      return RunState.read(dir.resolve(RunFolder.STATE)).step();
    } catch (IOException e) {
      return -1;
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
