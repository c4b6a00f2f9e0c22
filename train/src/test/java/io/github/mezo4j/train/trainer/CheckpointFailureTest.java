package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint that cannot be written (its folder made read-only mid-run, as a full disk or a
 * permission change would) fails the run with a message naming the checkpoint, leaves the previous
 * checkpoint and state.json intact, and the run resumes from it once the folder is writable again.
 */
class CheckpointFailureTest {
  private static final int STEPS = 6;
  private static final int EVAL_EVERY = 2;

  @Test
  void aCheckpointThatCannotBeWrittenLeavesThePreviousOneIntact(@TempDir Path tmp)
      throws IOException {
    FineTuneConfig config = TinyTask.config("linear", STEPS, EVAL_EVERY, false);
    Path whole = tmp.resolve("whole");
    FineTuner.Result expected = FineTuner.run(TinyTask.run(config, whole, false, 1, null));

    Path out = tmp.resolve("run");
    Path checkpoints = out.resolve(RunFolder.CHECKPOINTS);
    try {
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  FineTuner.run(
                      TinyTask.run(
                          config,
                          out,
                          false,
                          2,
                          step -> {
                            if (step == 3) {
                              readOnly(checkpoints); // the checkpoint of step 4 cannot be written
                            }
                          })));
      String m = e.getMessage();
      assertTrue(
          m.contains("checkpoint of step 4")
              && m.contains(checkpoints.toString())
              && m.contains("previous checkpoint is intact"),
          m);
      RunState state = RunState.read(out.resolve(RunFolder.STATE));
      assertEquals(2, state.step());
      Checkpoint previous = Checkpoint.open(checkpoints.resolve(state.lastCheckpoint()));
      assertEquals(2, previous.step());
    } finally {
      writable(checkpoints);
    }
    FineTuner.Result resumed = FineTuner.run(TinyTask.run(config, out, true, 1, null));
    ResumeTest.assertSameRun(expected, whole, resumed, out);
  }

  /**
   * Makes {@code dir} refuse new entries: mode r-x, and for root (whom modes do not stop) the
   * immutable attribute where chattr and the capability exist; skips the test where neither works.
   */
  private static void readOnly(Path dir) {
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
      if (canCreateIn(dir)) {
        run("chattr", "+i", dir.toString());
      }
      if (canCreateIn(dir)) {
        writable(dir);
        Assumptions.abort(
            "cannot make " + dir + " read-only here (root without chattr +i): test skipped");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writable(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    run("chattr", "-i", dir.toString());
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean canCreateIn(Path dir) {
    try {
      Files.delete(Files.createFile(dir.resolve(".probe")));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // no such tool: the caller checks whether the folder became read-only
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
