package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.checkpoint.RunState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interrupted and resumed runs end exactly where uninterrupted ones do; checkpoints replay. */
class ResumeTest {
  private static final int STEPS = 24;
  private static final int EVAL_EVERY = 5;

  /** Thrown by the after-step hook to stop a run as a crash would. */
  static final class Interrupt extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Interrupt() {
      super("interrupted by the test", null, false, false);
    }
  }

  @Test
  void stopAtAnyStepThenResumeMatchesAnUninterruptedRun(@TempDir Path tmp) throws IOException {
    for (String head : List.of("linear", "prompt", "similarity")) {
      FineTuneConfig config = TinyTask.config(head, STEPS, EVAL_EVERY, false);
      Path whole = tmp.resolve(head + "-whole");
      FineTuner.Result expected = FineTuner.run(TinyTask.run(config, whole, false, 1, null));
      // a fresh run estimates in virtual mode: the weights are never written during the estimate
      assertEquals(
          "virtual",
          StepLog.read(new RunFolder(whole).stepLog()).header().values().get("perturbation"));

      // stop after an evaluation step and between two of them (the log then runs past the
      // checkpoint and the resumed run recomputes those steps)
      for (int stopAt : new int[] {10, 13}) {
        Path split = tmp.resolve(head + "-split-" + stopAt);
        assertThrows(
            Interrupt.class,
            () ->
                FineTuner.run(
                    TinyTask.run(
                        config,
                        split,
                        false,
                        2,
                        step -> {
                          if (step == stopAt) {
                            throw new Interrupt();
                          }
                        })));
        assertFalse(Files.exists(split.resolve(RunFolder.SUMMARY)));
        FineTuner.Result resumed = FineTuner.run(TinyTask.run(config, split, true, 3, null));
        assertSameRun(expected, whole, resumed, split);
      }
    }
  }

  @Test
  void replayOfEachCheckpointRebuildsItsWeightsBitForBit(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("run");
    FineTuner.Result r =
        FineTuner.run(
            TinyTask.run(TinyTask.config("linear", STEPS, EVAL_EVERY, true), out, false, 2, null));
    Checkpoint last = Checkpoint.open(r.last());
    assertEquals(STEPS, last.step());
    EncoderClassifier replayed = last.replay(TinyTask.classifier(3), Workers.of(2));
    assertTrue(replayed.trainable().contentEquals(r.classifier().trainable()));
    assertFalse(replayed.trainable().contentEquals(TinyTask.classifier(3).trainable()));

    // the best checkpoint (named by the run folder) replays to its recorded dev metric
    Checkpoint best = Checkpoint.open(out);
    assertEquals(r.best(), best.dir());
    EncoderClassifier atBest = best.replay(TinyTask.classifier(3), Workers.serial());
    EncoderClassifier.Batch dev = atBest.batch(atBest.tokenize(TinyTask.data(16, 2)));
    assertEquals(
        best.manifest().get("dev_metric").asDouble(),
        atBest.evaluate(dev, Workers.serial()).accuracy());
    assertEquals(r.bestDevMetric(), best.manifest().get("dev_metric").asDouble());

    // the saved weights equal the replayed ones
    ParameterSet saved =
        io.github.mezo4j.nn.io.HuggingFaceFolder.load(last.weights().orElseThrow()).parameters();
    for (Parameter p : saved) {
      assertTrue(p.contentEquals(replayed.trainable().get(p.name())), p.name());
    }
  }

  @Test
  void onlyTheSelectedEncoderWeightsMoveAndReplayUsesTheSameSelection(@TempDir Path tmp)
      throws IOException {
    Path out = tmp.resolve("run");
    FineTuner.Result r =
        FineTuner.run(
            TinyTask.run(TinyTask.config("linear", "bias-norm", 8, 4, false), out, false, 2, null));
    ParameterSet trained = r.classifier().embedder().encoder().parameters();
    ParameterSet base = TinyTask.classifier(3).embedder().encoder().parameters();
    int moved = 0;
    for (Parameter p : trained) {
      boolean biasOrNorm = p.rank() <= 1;
      boolean same = p.contentEquals(base.get(p.name()));
      assertTrue(biasOrNorm || same, p.name() + " is not selected but moved");
      moved += same ? 0 : 1;
    }
    assertTrue(moved > 10, "selected weights moved: " + moved);
    EncoderClassifier replayed =
        Checkpoint.open(r.last()).replay(TinyTask.classifier(3), Workers.of(1));
    assertTrue(replayed.trainable().contentEquals(r.classifier().trainable()));
    assertThrows(IllegalArgumentException.class, () -> TinyTask.config("linear", " ", 8, 4, false));
  }

  @Test
  void aRunFolderIsNeverOverwrittenAndResumeChecksTheSettings(@TempDir Path tmp)
      throws IOException {
    Path out = tmp.resolve("run");
    FineTuner.run(TinyTask.run(TinyTask.config("prompt", 3, 2, false), out, false, 1, null));
    IllegalArgumentException again =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                FineTuner.run(
                    TinyTask.run(TinyTask.config("prompt", 3, 2, false), out, false, 1, null)));
    assertTrue(again.getMessage().contains("--resume"), again.getMessage());
    IllegalArgumentException other =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                FineTuner.run(
                    TinyTask.run(TinyTask.config("linear", 3, 2, false), out, true, 1, null)));
    assertTrue(other.getMessage().contains("head"), other.getMessage());
    IllegalArgumentException nothing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                FineTuner.run(
                    TinyTask.run(
                        TinyTask.config("prompt", 3, 2, false),
                        tmp.resolve("empty"),
                        true,
                        1,
                        null)));
    assertTrue(nothing.getMessage().contains("no run to resume"), nothing.getMessage());
  }

  @Test
  void stoppedAfterTheFinalCheckpointOrFinishedResumeCompletesOrKeepsTheSummary(@TempDir Path tmp)
      throws IOException {
    FineTuneConfig config = TinyTask.config("linear", STEPS, EVAL_EVERY, false);
    Path whole = tmp.resolve("whole");
    FineTuner.Result expected = FineTuner.run(TinyTask.run(config, whole, false, 1, null));
    assertTrue(expected.summary().get("final_dev_loss").isNumber());

    // stopped after the final evaluation and checkpoint, before summary.json
    Path split = tmp.resolve("split");
    assertThrows(
        Interrupt.class,
        () ->
            FineTuner.run(
                TinyTask.run(
                    config,
                    split,
                    false,
                    2,
                    step -> {
                      if (step == STEPS) {
                        throw new Interrupt();
                      }
                    })));
    assertEquals(STEPS, RunState.read(split.resolve(RunFolder.STATE)).step());
    assertFalse(Files.exists(split.resolve(RunFolder.SUMMARY)));
    FineTuner.Result resumed = FineTuner.run(TinyTask.run(config, split, true, 3, null));
    assertSameRun(expected, whole, resumed, split);

    // resuming the finished run: it says so, rebuilds the weights and leaves the folder as it was
    byte[] summary = Files.readAllBytes(split.resolve(RunFolder.SUMMARY));
    byte[] metrics = Files.readAllBytes(split.resolve(RunFolder.METRICS));
    java.io.ByteArrayOutputStream notes = new java.io.ByteArrayOutputStream();
    FineTuner.Run again = TinyTask.run(config, split, true, 1, null);
    FineTuner.Result noop =
        FineTuner.run(
            new FineTuner.Run(
                again.config(),
                again.classifier(),
                again.initialHead(),
                again.bertConfig(),
                again.tokenizerJson(),
                again.train(),
                again.dev(),
                new RunDriver.Context(
                    again.context().out(),
                    true,
                    again.context().workers(),
                    new java.io.PrintStream(notes, true, StandardCharsets.UTF_8),
                    false,
                    step -> {
                      throw new AssertionError("a finished run took step " + step);
                    })));
    assertTrue(
        notes.toString(StandardCharsets.UTF_8).contains("already finished"), notes::toString);
    assertArrayEquals(summary, Files.readAllBytes(split.resolve(RunFolder.SUMMARY)));
    assertArrayEquals(metrics, Files.readAllBytes(split.resolve(RunFolder.METRICS)));
    assertSameRun(expected, whole, noop, split);
  }

  @Test
  void aRunStoppedBeforeItsRunJsonRestartsWithResumeOrAPlainRerun(@TempDir Path tmp)
      throws IOException {
    FineTuneConfig config = TinyTask.config("prompt", 6, 3, false);
    Path whole = tmp.resolve("whole");
    FineTuner.Result expected = FineTuner.run(TinyTask.run(config, whole, false, 1, null));
    for (boolean resume : new boolean[] {true, false}) {
      // what a kill in the first instants leaves: the lock of a dead process, a half-written
      // run.json under its temporary name, the first bytes of a step log
      Path out = tmp.resolve("early-" + resume);
      Files.createDirectories(out);
      Files.writeString(out.resolve("run.lock"), "process 999999999 on host h (started then)\n");
      Files.writeString(out.resolve(".run.json.abc123.tmp"), "{\"format\": \"mezo4j-ru");
      Files.write(out.resolve(RunFolder.STEP_LOG), new byte[] {'M', 'E', 'Z'});
      FineTuner.Result r = FineTuner.run(TinyTask.run(config, out, resume, 2, null));
      assertSameRun(expected, whole, r, out);
      assertFalse(Files.exists(out.resolve(".run.json.abc123.tmp")));
    }
    // a folder holding anything else is not taken for a run
    Path other = tmp.resolve("other");
    Files.createDirectories(other);
    Files.writeString(other.resolve("notes.txt"), "mine");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FineTuner.run(TinyTask.run(config, other, true, 1, null)));
    assertTrue(e.getMessage().contains("no run to resume"), e.getMessage());
  }

  /** Same weights, step log, metrics (times aside), best checkpoint and summary. */
  static void assertSameRun(
      FineTuner.Result expected, Path expectedDir, FineTuner.Result actual, Path actualDir)
      throws IOException {
    assertTrue(
        expected.classifier().trainable().contentEquals(actual.classifier().trainable()),
        "final weights differ");
    assertArrayEquals(
        Files.readAllBytes(expectedDir.resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(actualDir.resolve(RunFolder.STEP_LOG)));
    assertEquals(events(expectedDir), events(actualDir));
    RunState a = RunState.read(expectedDir.resolve(RunFolder.STATE));
    RunState b = RunState.read(actualDir.resolve(RunFolder.STATE));
    assertEquals(a.step(), b.step());
    assertEquals(a.bestStep(), b.bestStep());
    assertEquals(a.bestMetric(), b.bestMetric());
    assertEquals(expected.bestDevMetric(), actual.bestDevMetric());
    assertEquals(expected.finalDevMetric(), actual.finalDevMetric());
    assertEquals(expected.summary().get("steps").asLong(), actual.summary().get("steps").asLong());
    // the summary, returned and on disk, is the uninterrupted run's but for times and paths
    assertEquals(comparable(expected.summary()), comparable(actual.summary()));
    assertEquals(
        comparable(JsonFiles.read(expectedDir.resolve(RunFolder.SUMMARY))),
        comparable(JsonFiles.read(actualDir.resolve(RunFolder.SUMMARY))));
    assertArrayEquals(
        Files.readAllBytes(expected.best().resolve(Checkpoint.STEP_LOG)),
        Files.readAllBytes(actual.best().resolve(Checkpoint.STEP_LOG)));
    try (var s = Files.list(actualDir.resolve(RunFolder.CHECKPOINTS))) {
      // only the last and the best are kept
      assertTrue(s.count() <= 2);
    }
  }

  /** A summary's JSON text without its times and paths. */
  private static String comparable(ObjectNode summary) {
    ObjectNode o = summary.deepCopy();
    o.remove(List.of("seconds", "finished_utc", "best_checkpoint", "last_checkpoint"));
    return JsonFiles.line(o);
  }

  /** metrics.jsonl without the wall-clock field. */
  static List<String> events(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(RunFolder.METRICS), StandardCharsets.UTF_8)) {
      ObjectNode o = (ObjectNode) JsonFiles.MAPPER.readTree(line);
      o.remove("elapsed_s");
      out.add(JsonFiles.line(o));
    }
    return out;
  }
}
