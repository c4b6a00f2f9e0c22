package io.github.mezo4j.train.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
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
}
