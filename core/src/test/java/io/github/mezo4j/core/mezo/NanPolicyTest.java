package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A NaN or infinite loss: SKIP restores, warns and logs a skipped step; FAIL throws. */
class NanPolicyTest {
  @TempDir Path dir;

  /** The quadratic, but NaN (or +inf) on the calls listed. */
  static Objective<Void> failingOn(int[] calls, int from, int to, double bad) {
    return (params, b) -> {
      int c = calls[0]++;
      return c >= from && c < to ? bad : MezoTest.quadratic(params);
    };
  }

  @Test
  void skipRestoresWarnsLogsAndReplays() throws Exception {
    List<LogRecord> warnings = new ArrayList<>();
    Logger jul = Logger.getLogger(MezoStep.class.getName());
    Handler h =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            warnings.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    jul.addHandler(h);
    try {
      int[] calls = {0};
      // Calls 4, 5 are step 2's L+ and L- (two forward passes per step).
      ParameterSet p = MezoTest.model();
      Path log = dir.resolve("skip.steplog");
      MezoTrainer<Void> t =
          MezoTrainer.builder(failingOn(calls, 5, 6, Double.NaN))
              .optimizer(Optimizers.sgd(0.05))
              .nanPolicy(NanPolicy.SKIP)
              .workers(Workers.serial())
              .runSeed(3)
              .stepLog(log)
              .build(p);
      t.step(null);
      t.step(null);
      float[] before = MezoTest.flat(p);
      StepResult skipped = t.step(null);
      float[] after = MezoTest.flat(p);
      assertFalse(skipped.applied());
      assertEquals(2, skipped.step());
      for (int i = 0; i < before.length; i++) {
        assertEquals(before[i], after[i], 3 * 0x1p-24 * (Math.abs(before[i]) + 0.01));
      }
      assertEquals(1, warnings.size());
      String msg = warnings.get(0).getMessage();
      assertEquals(Level.WARNING, warnings.get(0).getLevel());
      assertTrue(msg.contains("step 2"), msg);
      assertTrue(msg.contains("seed " + StepSeeds.of(3, 2, 0)), msg);
      assertTrue(msg.contains("NaN"), msg);
      StepResult next = t.step(null);
      assertTrue(next.applied());
      assertEquals(1, t.config().estimator().samples());
      t.close();

      StepLog read = StepLog.read(log);
      assertEquals(4, read.records().size());
      assertTrue(read.records().get(2).skipped());
      ParameterSet base = MezoTest.model();
      Replay.Result r = Replay.apply(log, base, Workers.serial());
      assertEquals(1, r.skippedSteps());
      assertEquals(3, r.updater().count(), "skipped steps do not advance the update count");
      assertTrue(base.contentEquals(p), "replay reproduces a run with a skipped step");
    } finally {
      jul.removeHandler(h);
    }
  }

  @Test
  void failThrowsNamingStepAndSeedAndRestores() throws Exception {
    int[] calls = {0};
    ParameterSet p = MezoTest.model();
    MezoTrainer<Void> t =
        MezoTrainer.builder(failingOn(calls, 2, 3, Double.POSITIVE_INFINITY))
            .optimizer(Optimizers.sgd(0.05))
            .nanPolicy(NanPolicy.FAIL)
            .workers(Workers.serial())
            .runSeed(9)
            .build(p);
    t.step(null);
    float[] before = MezoTest.flat(p);
    NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.step(null));
    assertEquals(1, e.step());
    assertEquals(StepSeeds.of(9, 1, 0), e.seed());
    assertTrue(e.getMessage().contains("step 1"), e.getMessage());
    assertTrue(e.getMessage().contains("seed " + e.seed()), e.getMessage());
    assertTrue(e.getMessage().contains("Infinity"), e.getMessage());
    float[] after = MezoTest.flat(p);
    for (int i = 0; i < before.length; i++) {
      assertEquals(before[i], after[i], 3 * 0x1p-24 * (Math.abs(before[i]) + 0.01));
    }
    assertEquals(1, t.nextStep(), "a failed step is not counted");
    assertTrue(t.step(null).applied(), "training can go on after a FAIL");
  }

  @Test
  void oneSidedChecksTheUnperturbedLossToo() throws Exception {
    int[] calls = {0};
    MezoTrainer<Void> t =
        MezoTrainer.builder(failingOn(calls, 0, 1, Double.NaN))
            .optimizer(Optimizers.sgd(0.05))
            .estimator(Estimator.oneSided())
            .nanPolicy(NanPolicy.FAIL)
            .workers(Workers.serial())
            .build(MezoTest.model());
    var e = assertThrows(NonFiniteLossException.class, () -> t.step(null));
    assertTrue(e.getMessage().contains("L(theta)"), e.getMessage());
  }
}
