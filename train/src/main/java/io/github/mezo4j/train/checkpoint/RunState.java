package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code state.json}: where a run stands, rewritten atomically after each checkpoint. A resumed run
 * restarts from {@link #step} (the last checkpoint) and keeps the best-so-far from here.
 *
 * @param step the step of the last checkpoint
 * @param lastCheckpoint the last checkpoint's folder name under {@code checkpoints/}
 * @param bestStep the step with the best dev metric so far
 * @param bestMetric that metric
 * @param bestLoss the dev loss at that step (ties on the metric go to the lower loss); NaN in
 *     states written before it was recorded
 * @param bestCheckpoint the best checkpoint's folder name under {@code checkpoints/}
 * @param seconds wall time the run had spent when the last checkpoint was written
 */
public record RunState(
    long step,
    String lastCheckpoint,
    long bestStep,
    double bestMetric,
    double bestLoss,
    String bestCheckpoint,
    double seconds) {
  /** The {@code format} of state files. */
  public static final String FORMAT = "mezo4j-state";

  /** The newest state-file version this build writes and reads. */
  public static final int VERSION = 1;

  /** Writes this state to {@code file} atomically. */
  public void write(Path file) throws IOException {
    ObjectNode o = JsonFiles.versioned(FORMAT, VERSION);
    o.put("step", step);
    o.put("last_checkpoint", lastCheckpoint);
    o.put("best_step", bestStep);
    o.put("best_dev_metric", bestMetric);
    o.put("best_dev_loss", bestLoss);
    o.put("best_checkpoint", bestCheckpoint);
    o.put("seconds", seconds);
    JsonFiles.write(file, o);
  }

  /** Reads a state file, naming the file and field that is missing. */
  public static RunState read(Path file) throws IOException {
    ObjectNode o = JsonFiles.readVersioned(file, FORMAT, VERSION);
    return new RunState(
        JsonFiles.require(o, "step", file).asLong(),
        JsonFiles.require(o, "last_checkpoint", file).asText(),
        JsonFiles.require(o, "best_step", file).asLong(),
        JsonFiles.require(o, "best_dev_metric", file).asDouble(),
        o.path("best_dev_loss").asDouble(Double.NaN),
        JsonFiles.require(o, "best_checkpoint", file).asText(),
        JsonFiles.require(o, "seconds", file).asDouble());
  }
}
