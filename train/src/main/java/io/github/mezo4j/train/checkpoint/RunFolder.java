package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.nn.io.AtomicFiles;
import io.github.mezo4j.train.report.RunPlots;
import java.io.IOException;
import java.io.PrintStream;
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
 * run.lock             names the process writing the folder ({@link RunLock}); empty otherwise
 * train_loss.png, dev_metric.png, summary.json   written at the end
 * </pre>
 */
public record RunFolder(Path dir) {
  /** The name of {@link #run()}. */
  public static final String RUN = "run.json";

  /** The name of {@link #state()}. */
  public static final String STATE = "state.json";

  /** The name of {@link #stepLog()}. */
  public static final String STEP_LOG = "steps.mezolog";

  /** The name of {@link #headInit()}. */
  public static final String HEAD_INIT = "head-init";

  /** The name of {@link #metrics()}. */
  public static final String METRICS = "metrics.jsonl";

  /** The name of {@link #checkpoints()}. */
  public static final String CHECKPOINTS = "checkpoints";

  /** The name of {@link #summary()}. */
  public static final String SUMMARY = "summary.json";

  /** The plot of the training loss by step, written at the end ({@link RunPlots}). */
  public static final String LOSS_PLOT = RunPlots.LOSS_PLOT;

  /** The plot of the dev metric by step, written at the end ({@link RunPlots}). */
  public static final String METRIC_PLOT = RunPlots.METRIC_PLOT;

  /** The {@code format} of run.json. */
  public static final String RUN_FORMAT = "mezo4j-run";

  /** The {@code format} of summary.json. */
  public static final String SUMMARY_FORMAT = "mezo4j-summary";

  /** The newest run.json and summary.json version this build writes and reads. */
  public static final int VERSION = 1;

  /** A new run.json object of this build's version. */
  public static ObjectNode newRunJson() {
    return JsonFiles.versioned(RUN_FORMAT, VERSION);
  }

  /** A new summary.json object of this build's version. */
  public static ObjectNode newSummary() {
    return JsonFiles.versioned(SUMMARY_FORMAT, VERSION);
  }

  /** run.json, its format and version checked. */
  public ObjectNode readRun() throws IOException {
    return JsonFiles.readVersioned(run(), RUN_FORMAT, VERSION);
  }

  /** summary.json, its format and version checked. */
  public ObjectNode readSummary() throws IOException {
    return JsonFiles.readVersioned(summary(), SUMMARY_FORMAT, VERSION);
  }

  /** run.json: the run's identity (base model, task, configuration, data), written once. */
  public Path run() {
    return dir.resolve(RUN);
  }

  /** state.json: the last checkpoint and the best so far ({@link RunState}). */
  public Path state() {
    return dir.resolve(STATE);
  }

  /** The live step log, one record per MeZO step. */
  public Path stepLog() {
    return dir.resolve(STEP_LOG);
  }

  /**
   * The perturbation mode of a resumed run: the one its step log's header records (in place when
   * absent: logs written before virtual perturbation), or virtual for a new run ({@code resumed}
   * false). A resumed run keeps its mode, so its steps continue bit for bit.
   */
  public PerturbationMode perturbationMode(boolean resumed) throws IOException {
    if (!resumed) {
      return PerturbationMode.VIRTUAL;
    }
    String spec = StepLog.read(stepLog()).header().values().get("perturbation");
    return spec == null ? PerturbationMode.IN_PLACE : PerturbationMode.parse(spec);
  }

  /** The folder of the head before training, needed with the step log to replay. */
  public Path headInit() {
    return dir.resolve(HEAD_INIT);
  }

  /** metrics.jsonl: one JSON object per train step and per dev evaluation. */
  public Path metrics() {
    return dir.resolve(METRICS);
  }

  /** The folder holding the last and the best checkpoint. */
  public Path checkpoints() {
    return dir.resolve(CHECKPOINTS);
  }

  /** summary.json: the run's results, written at the end. */
  public Path summary() {
    return dir.resolve(SUMMARY);
  }

  /** The folder name of the checkpoint at {@code step}. */
  public static String checkpointName(long step) {
    return String.format(Locale.ROOT, "step-%08d", step);
  }

  /** The folder of checkpoint {@code name} (see {@link #checkpointName}). */
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
     * Rejects resuming when {@code recorded} differs from the current configuration in a setting
     * that changes the steps.
     *
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
      if (!holdsOnlyLeftovers()) {
        throw new IllegalArgumentException(
            "--resume: %s holds no run to resume (no %s)".formatted(dir, RUN));
      }
      // the run was stopped before it wrote run.json: nothing of it is kept, it starts afresh
      return null;
    }
    if (!resume) {
      return null;
    }
    check.check(JsonFiles.requireObject(readRun(), "config", run()), run().toString());
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

  /**
   * The summary of a run that is already finished at {@code steps}: its last checkpoint is at that
   * step and summary.json (written after it) records the same step count. Null otherwise, also when
   * the run was stopped after its last checkpoint but before its summary was written.
   */
  public ObjectNode finishedSummary(RunState state, long steps) throws IOException {
    if (state == null || state.step() != steps || !Files.isRegularFile(summary())) {
      return null;
    }
    ObjectNode s = readSummary();
    return s.path("steps").asLong(-1) == steps ? s : null;
  }

  /** The line a resumed run that is already finished prints instead of training. */
  public String finishedNote(long steps) {
    return "mezo4j: the run in %s is already finished (step %d of %d): nothing to do; its summary is %s"
        .formatted(dir, steps, steps, summary());
  }

  /**
   * Takes the folder's {@link RunLock} for a run (created if needed; with {@code resume} it must
   * exist).
   *
   * @throws IllegalStateException if a live process writes the folder
   */
  public RunLock lock(boolean resume, PrintStream notes) throws IOException {
    if (resume && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "--resume: %s holds no run to resume (no such folder)".formatted(dir));
    }
    return RunLock.acquire(dir, notes);
  }

  /**
   * Whether the folder exists and holds nothing but what a run writes (and the hidden temporary
   * files of its atomic writes): a run stopped before its run.json existed leaves such a folder.
   */
  private boolean holdsOnlyLeftovers() throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).allMatch(RunFolder::isRunFileOrTemp);
    }
  }

  private static final Set<String> RUN_FILES =
      Set.of(RUN, STATE, STEP_LOG, HEAD_INIT, METRICS, CHECKPOINTS, RunLock.FILE);

  private static boolean isRunFileOrTemp(String name) {
    if (RUN_FILES.contains(name)) {
      return true;
    }
    // AtomicFiles' temporaries: ".run.json.<random>.tmp"
    return name.startsWith(".")
        && name.endsWith(".tmp")
        && RUN_FILES.stream().anyMatch(f -> name.startsWith("." + f + "."));
  }

  /**
   * Clears what a fresh run rewrites: the step log, any checkpoints and state of a run that died,
   * and the temporaries of writes it did not finish.
   */
  public void startFresh() throws IOException {
    Files.createDirectories(dir);
    Files.deleteIfExists(stepLog());
    Files.deleteIfExists(state());
    deleteTree(checkpoints());
    List<Path> temps;
    try (Stream<Path> s = Files.list(dir)) {
      temps =
          s.filter(
                  p -> {
                    String n = p.getFileName().toString();
                    return n.startsWith(".") && isRunFileOrTemp(n);
                  })
              .toList();
    }
    for (Path t : temps) {
      deleteTree(t);
    }
  }

  /**
   * Rolls the run back to its last checkpoint: the live step log becomes the checkpoint's copy and
   * checkpoints the state does not name go.
   */
  public void restore(RunState state) throws IOException {
    Checkpoint last = Checkpoint.open(checkpoint(state.lastCheckpoint()));
    if (last.step() != state.step()) {
      throw new IOException(
          "%s says step %d but its last checkpoint %s is at step %d"
              .formatted(state(), state.step(), last.dir(), last.step()));
    }
    AtomicFiles.write(stepLog(), Files.readAllBytes(last.stepLog()));
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
