package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.Replay;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.AtomicFiles;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.nn.model.DecoderModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Checkpoints of decoder fine-tuning runs: the {@link Checkpoint} layout without heads (a decoder
 * classifies with its own LM head, which is one of its weights).
 *
 * <pre>
 * manifest.json    "kind": "decoder", base model, task, step, dev metric, the run's configuration
 * steps.mezolog    the step log of steps 0 .. step-1
 * model/           optional (--save-weights): the weights as a Hugging Face folder
 * </pre>
 *
 * {@link Checkpoint#open} reads these folders too; {@link #isDecoder} tells them apart. The weights
 * at the checkpoint's step are the base model's {@link DecoderModel#parameters()} plus a {@link
 * Replay} of the step log ({@link #replay}).
 */
public final class DecoderCheckpoints {
  /** The manifest's {@code kind} of decoder checkpoints. */
  public static final String KIND = "decoder";

  private DecoderCheckpoints() {}

  /** Whether {@code checkpoint} comes from a decoder run. */
  public static boolean isDecoder(Checkpoint checkpoint) {
    return KIND.equals(checkpoint.manifest().path("kind").asText(""));
  }

  /**
   * What a checkpoint is written from.
   *
   * @param step steps taken
   * @param liveStepLog the run's step log, holding at least {@code step} records
   * @param manifest the manifest (format, kind and step are added)
   * @param config the decoder's config, for the weights folder
   * @param weights the weights now, or null not to save them
   */
  public record Content(
      long step,
      Path liveStepLog,
      ObjectNode manifest,
      DecoderConfig config,
      ParameterSet weights) {}

  /** Writes a checkpoint folder at {@code target} whole (hidden sibling, then renamed). */
  public static void write(Path target, Content content) throws IOException {
    Path temp = AtomicFiles.hiddenSibling(target, ".tmp");
    Files.createDirectories(temp);
    try {
      AtomicFiles.write(
          temp.resolve(Checkpoint.STEP_LOG),
          Checkpoint.stepLogPrefix(content.liveStepLog(), content.step()));
      if (content.weights() != null) {
        DecoderFolder.save(temp.resolve(Checkpoint.MODEL), content.config(), content.weights());
      }
      ObjectNode m = JsonFiles.object();
      m.put("format", Checkpoint.FORMAT);
      m.put("version", 1);
      m.put("kind", KIND);
      m.setAll(content.manifest());
      m.put("step", content.step());
      m.put("step_log", Checkpoint.STEP_LOG);
      m.put("weights", content.weights() == null ? null : Checkpoint.MODEL);
      JsonFiles.write(temp.resolve(Checkpoint.MANIFEST), m);
      RunFolder.deleteTree(target);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      RunFolder.deleteTree(temp);
      throw e;
    }
  }

  /**
   * Replays the checkpoint's step log onto {@code base} (the base model's parameters, changed in
   * place), rebuilding the fine-tuned weights bit for bit.
   *
   * @throws IllegalArgumentException if the checkpoint is not a decoder checkpoint
   * @throws IOException if the log's step count differs from the manifest's
   */
  public static void replay(Checkpoint checkpoint, ParameterSet base, Workers workers)
      throws IOException {
    if (!isDecoder(checkpoint)) {
      throw new IllegalArgumentException(
          checkpoint.dir() + " is not a decoder checkpoint (manifest kind is not 'decoder')");
    }
    Replay.Result r = Replay.apply(checkpoint.stepLog(), base, workers);
    if (r.steps() != checkpoint.step()) {
      throw new IOException(
          "%s holds %d steps but its manifest says step %d"
              .formatted(checkpoint.stepLog(), r.steps(), checkpoint.step()));
    }
  }
}
