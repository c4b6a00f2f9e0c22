package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.mezo.Replay;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.nn.model.DecoderModel;
import java.io.IOException;
import java.nio.file.Path;

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
    ObjectNode manifest = JsonFiles.object();
    manifest.put("kind", KIND);
    manifest.setAll(content.manifest());
    Checkpoint.writeFolder(
        target,
        content.step(),
        content.liveStepLog(),
        manifest,
        content.weights() != null,
        temp -> {
          if (content.weights() != null) {
            DecoderFolder.save(temp.resolve(Checkpoint.MODEL), content.config(), content.weights());
          }
        });
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
