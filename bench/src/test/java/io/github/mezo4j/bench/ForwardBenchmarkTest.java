package io.github.mezo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.cli.FinetuneCommandsTest;
import io.github.mezo4j.cli.Models;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.model.BertEncoder;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardBenchmarkTest {

  @Test
  void timeRunsWarmupPlusIterationsAndOrdersTheStatistics() {
    AtomicInteger calls = new AtomicInteger();
    ForwardBenchmark.Result r =
        ForwardBenchmark.time(
            () -> {
              calls.incrementAndGet();
              busyWait(calls.get() % 3 == 0 ? 3_000_000 : 500_000);
            },
            2,
            5,
            4,
            16,
            1);
    assertEquals(7, calls.get());
    assertEquals(5, r.iterations());
    assertTrue(r.minMs() <= r.medianMs() && r.medianMs() <= r.maxMs(), r.summary());
    assertTrue(r.minMs() >= 0.5, r.summary());
    assertEquals(4 * 16 / (r.medianMs() / 1000), r.tokensPerSecond(), 1e-6 * r.tokensPerSecond());
    assertTrue(r.summary().contains("batch=4 seq=16 threads=1"), r.summary());
  }

  @Test
  void runTimesTheEncoder(@TempDir Path dir) throws Exception {
    BertCheckpoint tiny = Models.load(FinetuneCommandsTest.tinyModel(dir).toString());
    BertEncoder encoder = BertEncoder.of(tiny.config(), tiny.parameters());
    ForwardBenchmark.Result r = ForwardBenchmark.run(encoder, 2, 8, 1, 3, 7, Workers.serial());
    assertEquals(3, r.iterations());
    assertEquals(2, r.batch());
    assertEquals(8, r.seq());
    assertTrue(r.medianMs() > 0 && r.tokensPerSecond() > 0, r.summary());
  }

  @Test
  void rejectsZeroIterations() {
    assertThrows(
        IllegalArgumentException.class, () -> ForwardBenchmark.time(() -> {}, 0, 0, 1, 1, 1));
  }

  private static void busyWait(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }
}
