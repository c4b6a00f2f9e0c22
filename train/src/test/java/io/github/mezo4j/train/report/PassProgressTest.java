package io.github.mezo4j.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PassProgressTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aShortPassPrintsNothing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    PassProgress p = progress(bytes, now);
    for (int i = 0; i < 4; i++) {
      now.addAndGet(SECOND);
      p.accept(250);
    }
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aLongPassPrintsOncePerIntervalAndAtTheEnd() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    PassProgress p = progress(bytes, now);
    for (int i = 0; i < 10; i++) {
      now.addAndGet(2 * SECOND);
      p.accept(100);
    }
    assertEquals(
        String.join(
            "\n",
            "eval: 300/1,000 examples, 6 s",
            "eval: 600/1,000 examples, 12 s",
            "eval: 900/1,000 examples, 18 s",
            "eval: 1,000/1,000 examples, 20 s",
            ""),
        bytes.toString(StandardCharsets.UTF_8));
  }

  private static PassProgress progress(ByteArrayOutputStream bytes, AtomicLong now) {
    return new PassProgress(
        new PrintStream(bytes, true, StandardCharsets.UTF_8), "eval", 1000, 5 * SECOND, now::get);
  }
}
