package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power loss under FsyncPolicy.ON_CLOSE can leave several zero-filled records at the end of the
 * log; resuming drops them and continues exactly like the uninterrupted run (pattern: {@link
 * ResumeTest}).
 */
class ResumeAfterLostTailTest {
  @TempDir Path dir;

  @Test
  void resumeAfterAZeroFilledTailMatchesTheUninterruptedRun() throws Exception {
    ParameterSet straight = BigModel.model(DType.F32);
    Path straightLog = dir.resolve("straight.steplog");
    try (var t = ResumeTest.builder(straight, straightLog).build(BigModel.trainable(straight))) {
      ResumeTest.steps(t, 10);
    }

    ParameterSet first = BigModel.model(DType.F32);
    Path log = dir.resolve("resumed.steplog");
    try (var t = ResumeTest.builder(first, log).build(BigModel.trainable(first))) {
      ResumeTest.steps(t, 5);
    }
    // power loss: the file length of two more records persisted, their data did not
    int recordSize = StepLog.read(log).header().recordSize();
    Files.write(log, new byte[2 * recordSize], StandardOpenOption.APPEND);
    StepLog damaged = StepLog.read(log);
    assertEquals(5, damaged.records().size());
    assertEquals(2, damaged.droppedRecords());

    ParameterSet resumed = BigModel.model(DType.F32); // the base parameters
    try (var t = ResumeTest.builder(resumed, log).resume(BigModel.trainable(resumed))) {
      assertEquals(5, t.nextStep());
      ResumeTest.steps(t, 10);
    }
    assertTrue(resumed.contentEquals(straight), "resumed run equals the uninterrupted run");
    assertEquals(
        StepLog.read(straightLog).records(), StepLog.read(log).records(), "identical logs");
    assertEquals(Files.size(straightLog), Files.size(log));
  }
}
