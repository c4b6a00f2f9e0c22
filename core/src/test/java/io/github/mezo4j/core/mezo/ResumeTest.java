package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Stopping, reopening the log and continuing gives exactly the uninterrupted run. */
class ResumeTest {
  @TempDir Path dir;

  static final ZoTransform ADAM = Optimizers.adam(Schedule.cosineDecay(0.01, 20, 0.0));

  static MezoTrainer.Builder<Integer> builder(ParameterSet model, Path log) {
    return builder(model, log, Estimator.nSpsa(2));
  }

  static MezoTrainer.Builder<Integer> builder(ParameterSet model, Path log, Estimator estimator) {
    return MezoTrainer.builder(BigModel.objective(model, Workers.serial()))
        .optimizer(ADAM)
        .estimator(estimator)
        .runSeed(77)
        .workers(Workers.serial())
        .stepLog(log);
  }

  static void steps(MezoTrainer<Integer> t, long until) {
    while (t.nextStep() < until) {
      t.step((int) (t.nextStep() % 5)); // the batch is a function of the step
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"twoSided(2)", "normalized(3)"})
  void resumeAfterStopAndAfterATornRecordMatchesTheUninterruptedRun(String spec) throws Exception {
    Estimator est = Estimator.parse(spec);
    ParameterSet straight = BigModel.model(DType.F32);
    Path straightLog = dir.resolve("straight.steplog");
    try (var t = builder(straight, straightLog, est).build(BigModel.trainable(straight))) {
      steps(t, 20);
    }

    ParameterSet first = BigModel.model(DType.F32);
    Path log = dir.resolve("resumed.steplog");
    try (var t = builder(first, log, est).build(BigModel.trainable(first))) {
      steps(t, 10);
    }
    // crash mid-write: record 9 is torn
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 5);
    }
    ParameterSet resumed = BigModel.model(DType.F32); // the base parameters
    try (var t = builder(resumed, log, est).resume(BigModel.trainable(resumed))) {
      assertEquals(9, t.nextStep());
      steps(t, 15);
    }
    // resume again, onto fresh base parameters: the replay rebuilds steps 0..14 on them
    ParameterSet again = BigModel.model(DType.F32);
    try (var t = builder(again, log, est).resume(BigModel.trainable(again))) {
      assertEquals(15, t.nextStep());
      assertTrue(again.contentEquals(resumed), "replayed state equals the trained state");
      steps(t, 20);
    }
    assertTrue(again.contentEquals(straight), "resumed run equals the uninterrupted run");
    assertEquals(
        StepLog.read(straightLog).records(), StepLog.read(log).records(), "identical logs");
    assertEquals(Files.size(straightLog), Files.size(log));
  }

  @Test
  void resumeWithADifferentConfigurationNamesTheSetting() throws Exception {
    ParameterSet model = BigModel.model(DType.F32);
    Path log = dir.resolve("cfg.steplog");
    try (var t = builder(model, log).build(BigModel.trainable(model))) {
      steps(t, 2);
    }
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                builder(model, log)
                    .optimizer(Optimizers.sgd(0.01))
                    .resume(BigModel.trainable(BigModel.model(DType.F32))));
    assertTrue(e.getMessage().contains("optimizer="), e.getMessage());
    var est =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                builder(model, log, Estimator.normalized(2))
                    .resume(BigModel.trainable(BigModel.model(DType.F32))));
    assertTrue(est.getMessage().contains("normalized(2)"), est.getMessage());
    var seed =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                builder(model, log)
                    .runSeed(78)
                    .resume(BigModel.trainable(BigModel.model(DType.F32))));
    assertTrue(seed.getMessage().contains("runSeed=77"), seed.getMessage());
    assertThrows(
        java.nio.file.FileAlreadyExistsException.class,
        () -> builder(model, log).build(BigModel.trainable(model)));
  }
}
