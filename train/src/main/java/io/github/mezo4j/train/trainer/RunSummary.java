package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.train.checkpoint.BestAndLast;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The end of every run's summary.json, the same fields for classifiers, pair models and decoders:
 * the method, the step log's size, the checkpoints as absolute paths, the mezo4j version and the
 * time the run finished.
 */
public final class RunSummary {
  private RunSummary() {}

  /** This build's version, from the jar manifest ("dev" when run from classes). */
  public static String version() {
    String v = RunSummary.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  /**
   * Completes {@code s}, writes it as the run's summary.json and checks that the step log the
   * checkpoints copied is intact.
   */
  public static void write(
      ObjectNode s,
      RunFolder folder,
      double lr,
      double eps,
      int batch,
      long seed,
      OptimizerSettings optim,
      MezoTrainer<?> trainer,
      BestAndLast checkpoints)
      throws IOException {
    s.put("step_log_bytes", Files.size(folder.stepLog()));
    s.put("lr", lr);
    s.put("eps", eps);
    s.put("batch", batch);
    s.put("seed", seed);
    optim.putInto(s);
    s.put("optimizer_spec", trainer.config().optimizer().spec());
    s.put("optimizer_state_bytes", trainer.optimizerStateBytes());
    s.put("best_checkpoint", absolute(checkpoints.best()));
    s.put("last_checkpoint", absolute(checkpoints.last()));
    s.put("mezo4j_version", version());
    s.put("finished_utc", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    JsonFiles.write(folder.summary(), s);
    StepLog.read(folder.stepLog());
  }

  private static String absolute(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }
}
