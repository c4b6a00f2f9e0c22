package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The layout of a fine-tuning run's {@code --out} folder.
 *
 * <pre>
 * run.json             the run's identity: base model, task, configuration, data (written once)
 * state.json           the last checkpoint's step and the best so far ({@link RunState})
 * steps.mezolog        the live step log, one record per MeZO step
 * head-init/           the head before training (needed with the step log to replay)
 * metrics.jsonl        one JSON object per train step and per dev evaluation
 * checkpoints/step-N/  the last and the best checkpoint ({@link Checkpoint})
 * train_loss.png, dev_metric.png, summary.json   written at the end
 * </pre>
 */
public record RunFolder(Path dir) {
  public static final String RUN = "run.json";
  public static final String STATE = "state.json";
  public static final String STEP_LOG = "steps.mezolog";
  public static final String HEAD_INIT = "head-init";
  public static final String METRICS = "metrics.jsonl";
  public static final String CHECKPOINTS = "checkpoints";
  public static final String SUMMARY = "summary.json";
  public static final String LOSS_PLOT = "train_loss.png";
  public static final String METRIC_PLOT = "dev_metric.png";

  public Path run() {
    return dir.resolve(RUN);
  }

  public Path state() {
    return dir.resolve(STATE);
  }

  public Path stepLog() {
    return dir.resolve(STEP_LOG);
  }

  public Path headInit() {
    return dir.resolve(HEAD_INIT);
  }

  public Path metrics() {
    return dir.resolve(METRICS);
  }

  public Path checkpoints() {
    return dir.resolve(CHECKPOINTS);
  }

  public Path summary() {
    return dir.resolve(SUMMARY);
  }

  /** The folder name of the checkpoint at {@code step}. */
  public static String checkpointName(long step) {
    return String.format(Locale.ROOT, "step-%08d", step);
  }

  public Path checkpoint(String name) {
    return checkpoints().resolve(name);
  }

  /** Whether {@code dir} holds a run (its {@code run.json}). */
  public boolean exists() {
    return Files.isRegularFile(run());
  }

  /** Deletes a folder and everything in it (no-op if absent). */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Checks that a run's recorded configuration allows resuming it with the current one. */
  @FunctionalInterface
  public interface ResumeCheck {
    /**
     * @param recorded the {@code config} object of {@code run.json}
     * @param source the file it came from (for error messages)
     * @throws IllegalArgumentException if a setting that changes the steps differs
     */
    void check(JsonNode recorded, String source);
  }

  /**
   * Opens the folder for a fine-tuning run, the same way for every kind of run.
   *
   * @param resume whether the run should continue the one in this folder
   * @param check compares the recorded configuration with the current one
   * @param steps the run's target step count
   * @return the last checkpoint's state, or null when the run starts fresh (no run, or one that
   *     died before its first checkpoint)
   * @throws IllegalArgumentException if the folder holds a run and resume is off, holds none and
   *     resume is on, the settings differ, or the last checkpoint is beyond {@code steps}
   */
  public RunState open(boolean resume, ResumeCheck check, long steps) throws IOException {
    if (exists() && !resume) {
      throw new IllegalArgumentException(
          "%s already holds a run (%s): pass --resume to continue it, or another --out"
              .formatted(dir, RUN));
    }
    if (!exists() && resume) {
      throw new IllegalArgumentException(
          "--resume: %s holds no run to resume (no %s)".formatted(dir, RUN));
    }
    if (!resume) {
      return null;
    }
    check.check(JsonFiles.read(run()).get("config"), run().toString());
    if (!Files.isRegularFile(state())) {
      return null;
    }
    RunState state = RunState.read(state());
    if (state.step() > steps) {
      throw new IllegalArgumentException(
          "cannot resume %s to --steps %d: its last checkpoint is at step %d"
              .formatted(dir, steps, state.step()));
    }
    return state;
  }

  /** Clears what a fresh run rewrites: the step log and any checkpoints of a run that died. */
  public void startFresh() throws IOException {
    Files.createDirectories(dir);
    Files.deleteIfExists(stepLog());
    deleteTree(checkpoints());
  }

  /**
   * Rolls the run back to its last checkpoint: the live step log becomes the checkpoint's copy and
   * checkpoints the state does not name go.
   */
  public void restore(RunState state) throws IOException {
    Path last = checkpoint(state.lastCheckpoint()).resolve(Checkpoint.STEP_LOG);
    AtomicFiles.write(stepLog(), Files.readAllBytes(last));
    deleteUnreferenced(state);
  }

  /** Deletes checkpoint folders (and hidden leftovers) that the state does not name. */
  public void deleteUnreferenced(RunState state) throws IOException {
    if (!Files.isDirectory(checkpoints())) {
      return;
    }
    Set<String> keep = new HashSet<>(List.of(state.lastCheckpoint(), state.bestCheckpoint()));
    List<Path> all;
    try (Stream<Path> s = Files.list(checkpoints())) {
      all = s.toList();
    }
    for (Path p : all) {
      if (!keep.contains(p.getFileName().toString())) {
        deleteTree(p);
      }
    }
  }
}
