package io.github.mezo4j.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per run folder: a second lock fails at once naming the owner, the lock is free again
 * when its owner closes it, and a lock file left by a dead process is taken over. (A second process
 * refused while a live one writes: {@code KillAndResumeTest}.)
 */
class RunLockTest {
  @Test
  void aSecondWriterIsRefusedUntilTheFirstEnds(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run");
    ByteArrayOutputStream notes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(notes, true, StandardCharsets.UTF_8);
    try (RunLock _ = RunLock.acquire(dir, out)) {
      String owner = Files.readString(dir.resolve(RunLock.FILE));
      assertTrue(owner.contains("process " + ProcessHandle.current().pid()), owner);
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> RunLock.acquire(dir, out));
      assertTrue(e.getMessage().contains("being written by this process"), e.getMessage());
      // through another path to the same folder, too
      IllegalStateException again =
          assertThrows(
              IllegalStateException.class,
              () -> RunLock.acquire(dir.resolve("..").resolve("run"), out));
      assertTrue(again.getMessage().contains("one writer at a time"), again.getMessage());
    }
    assertEquals("", Files.readString(dir.resolve(RunLock.FILE)));
    RunLock.acquire(dir, out).close();
    assertEquals("", notes.toString(StandardCharsets.UTF_8), "no stale lock was reported");
  }

  @Test
  void aLockLeftByADeadProcessIsTakenOver(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run");
    Files.createDirectories(dir);
    // a process that ran and ended: its pid is no longer alive
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
            .start();
    p.waitFor();
    Files.writeString(
        dir.resolve(RunLock.FILE), "process %d on host h (started then)\n".formatted(p.pid()));
    ByteArrayOutputStream notes = new ByteArrayOutputStream();
    try (RunLock _ = RunLock.acquire(dir, new PrintStream(notes, true, StandardCharsets.UTF_8))) {
      String n = notes.toString(StandardCharsets.UTF_8);
      assertTrue(n.contains("process " + p.pid()) && n.contains("taking the run folder over"), n);
      assertTrue(
          Files.readString(dir.resolve(RunLock.FILE))
              .contains("process " + ProcessHandle.current().pid()));
    }
  }
}
