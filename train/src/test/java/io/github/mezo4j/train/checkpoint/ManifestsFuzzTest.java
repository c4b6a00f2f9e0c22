package io.github.mezo4j.train.checkpoint;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mezo4j.core.fuzz.ParserContract;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.FineTuner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * Fuzz target for the JSON files of a run folder, read back by {@code --resume}, {@code eval} and
 * {@code replay}: one of them in a real run of the tiny task is replaced by the input (after its
 * first byte, which picks the file: 0 a checkpoint's manifest.json, 1 run.json, 2 state.json, 3
 * head.json) and read the way mezo4j reads it. It either reads or fails with an IOException (or,
 * where documented, IllegalArgumentException) naming the file or its folder.
 */
class ManifestsFuzzTest {
  private static final int STEPS = 2;
  private static final FineTuneConfig CONFIG = TinyTask.config("linear", STEPS, STEPS, false);
  private static final RunFolder RUN =
      new RunFolder(ParserContract.scratchDir("run").resolve("run"));
  private static final Path CHECKPOINT = tinyRun();

  @FuzzTest(maxDuration = "5m")
  void read(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
    switch ((input[0] & 0xff) % 4) {
      case 0 -> {
        Path manifest = CHECKPOINT.resolve(Checkpoint.MANIFEST);
        replaced(
            manifest,
            bytes,
            () ->
                ParserContract.parseOrReject(
                    manifest.toString(),
                    () -> {
                      Checkpoint c = Checkpoint.open(CHECKPOINT);
                      return c.baseModel() + c.task() + c.step() + c.baseDType() + c.weights();
                    },
                    IOException.class));
      }
      case 1 ->
          replaced(
              RUN.run(),
              bytes,
              () ->
                  ParserContract.parseOrReject(
                      RUN.run().toString(),
                      () -> RUN.open(true, CONFIG::checkResumable, STEPS),
                      IOException.class,
                      IllegalArgumentException.class));
      case 2 ->
          replaced(
              RUN.state(),
              bytes,
              () ->
                  ParserContract.parseOrReject(
                      RUN.dir().toString(),
                      () -> {
                        RunState state = RUN.open(true, CONFIG::checkResumable, STEPS);
                        RUN.finishedSummary(state, STEPS);
                        // the run's best checkpoint, as state.json names it
                        return Checkpoint.open(RUN.dir());
                      },
                      IOException.class,
                      IllegalArgumentException.class));
      default -> {
        Path head = CHECKPOINT.resolve(Checkpoint.HEAD);
        replaced(
            head.resolve(HeadFiles.HEAD_JSON),
            bytes,
            () ->
                ParserContract.parseOrReject(
                    head.toString(),
                    () -> HeadFiles.load(head, TinyTask.tokenizer(), 0),
                    IOException.class));
      }
    }
  }

  /**
   * Runs {@code read} with {@code file} holding {@code bytes}, then puts back what the run wrote.
   */
  private static void replaced(Path file, byte[] bytes, Callable<?> read) throws Exception {
    byte[] original = Files.readAllBytes(file);
    Files.write(file, bytes);
    try {
      read.call();
    } finally {
      Files.write(file, original);
    }
  }

  /** A finished two-step run of the tiny task with a linear head; its last checkpoint. */
  private static Path tinyRun() {
    try {
      return FineTuner.run(TinyTask.run(CONFIG, RUN.dir(), false, 1, null)).last();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
