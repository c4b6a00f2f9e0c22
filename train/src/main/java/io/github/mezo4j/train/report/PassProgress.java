package io.github.mezo4j.train.report;

import java.io.PrintStream;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * Progress of one long pass over examples (an evaluation, a linear probe's embeddings): fed the
 * examples each chunk finished, it prints {@code "eval: 12,288/67,349 examples, 31 s"} at most once
 * per interval, and a last line at the end if it printed any, so short passes stay quiet and long
 * ones are not silent.
 */
public final class PassProgress implements IntConsumer {
  /** Reports nothing. */
  public static final IntConsumer NONE = n -> {};

  private static final long INTERVAL_NANOS = 5_000_000_000L;

  private final PrintStream out;
  private final String what;
  private final long total;
  private final long intervalNanos;
  private final LongSupplier clock;
  private final long start;
  private long done;
  private long lastPrint;
  private boolean printed;

  /**
   * A progress over {@code total} examples.
   *
   * @param out where the lines go (stderr)
   * @param what the line's prefix, e.g. "eval"
   * @param intervalNanos the least time between two lines
   * @param clock nanoseconds (System::nanoTime; tests pass their own)
   */
  public PassProgress(
      PrintStream out, String what, long total, long intervalNanos, LongSupplier clock) {
    this.out = out;
    this.what = what;
    this.total = total;
    this.intervalNanos = intervalNanos;
    this.clock = clock;
    this.start = clock.getAsLong();
    this.lastPrint = start;
  }

  /** A progress on stderr, a line at most every 5 seconds. */
  public static PassProgress onStderr(String what, long total) {
    return new PassProgress(System.err, what, total, INTERVAL_NANOS, System::nanoTime);
  }

  /** Counts {@code examples} more as done. */
  @Override
  public void accept(int examples) {
    done += examples;
    long now = clock.getAsLong();
    if (now - lastPrint >= intervalNanos || (done >= total && printed)) {
      out.printf("%s: %,d/%,d examples, %d s%n", what, done, total, (now - start) / 1_000_000_000L);
      lastPrint = now;
      printed = true;
    }
  }
}
