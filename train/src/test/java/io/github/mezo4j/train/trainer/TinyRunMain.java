package io.github.mezo4j.train.trainer;

import io.github.mezo4j.train.TinyTask;
import java.nio.file.Path;

/**
 * A training JVM for {@link KillAndResumeTest}: runs the tiny task into {@code args[0]} for {@code
 * args[1]} steps, evaluating every {@code args[2]}, sleeping {@code args[3]} ms after each step
 * (and {@code args[4]} ms after the last one, when given: after its final checkpoint, before its
 * summary) so the test can kill it anywhere.
 */
public final class TinyRunMain {
  private TinyRunMain() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int steps = Integer.parseInt(args[1]);
    int evalEvery = Integer.parseInt(args[2]);
    long sleep = Long.parseLong(args[3]);
    long lastSleep = args.length > 4 ? Long.parseLong(args[4]) : sleep;
    FineTuner.run(
        TinyTask.run(
            TinyTask.config("linear", steps, evalEvery, true),
            out,
            false,
            2,
            step -> {
              try {
                Thread.sleep(step == steps ? lastSleep : sleep);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }));
  }
}
