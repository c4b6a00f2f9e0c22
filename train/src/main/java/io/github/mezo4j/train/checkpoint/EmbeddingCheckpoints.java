package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.mezo.Replay;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.nn.model.BertEncoder;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Checkpoints of embedding runs on sentence pairs: the {@link Checkpoint} layout without heads (the
 * model is the encoder and its pooling).
 *
 * <pre>
 * manifest.json    "kind": "embedding", base model, task, step, dev metrics, the run's configuration
 * steps.mezolog    the step log of steps 0 .. step-1
 * model/           optional (--save-weights): the encoder as a Hugging Face folder
 * </pre>
 *
 * The weights at the checkpoint's step are the base encoder's plus a {@link Replay} of the step log
 * onto the weights the run's {@code params} selects ({@link #replay}).
 */
public final class EmbeddingCheckpoints {
  /** The manifest's {@code kind} of embedding checkpoints. */
  public static final String KIND = "embedding";

  private EmbeddingCheckpoints() {}

  /** Whether {@code checkpoint} comes from an embedding run. */
  public static boolean isEmbedding(Checkpoint checkpoint) {
    return KIND.equals(checkpoint.manifest().path("kind").asText(""));
  }

  /**
   * What a checkpoint is written from.
   *
   * @param step steps taken
   * @param liveStepLog the run's step log, holding at least {@code step} records
   * @param manifest the manifest (format, kind and step are added)
   * @param config the encoder's config, for the weights folder
   * @param weights the encoder's weights now, or null not to save them
   * @param tokenizer saved beside the weights, or null
   */
  public record Content(
      long step,
      Path liveStepLog,
      ObjectNode manifest,
      BertConfig config,
      ParameterSet weights,
      TokenizerJson tokenizer) {}

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
            HuggingFaceFolder.save(
                temp.resolve(Checkpoint.MODEL),
                content.config(),
                content.weights(),
                content.tokenizer(),
                HuggingFaceFolder.DEFAULT_MAX_SHARD_BYTES);
          }
        });
  }

  /**
   * Replays the checkpoint's step log onto {@code atBase} (an encoder at the base weights, changed
   * in place), on the weights the run's {@code params} selects, rebuilding the fine-tuned encoder
   * bit for bit.
   *
   * @throws IllegalArgumentException if the checkpoint is not an embedding checkpoint
   * @throws IOException if the log's step count differs from the manifest's
   */
  public static void replay(Checkpoint checkpoint, BertEncoder atBase, Workers workers)
      throws IOException {
    if (!isEmbedding(checkpoint)) {
      throw new IllegalArgumentException(
          checkpoint.dir() + " is not an embedding checkpoint (manifest kind is not 'embedding')");
    }
    ParameterSet trainable =
        atBase.parameters().select(checkpoint.params().selector(atBase.layerCount()));
    Replay.Result r = Replay.apply(checkpoint.stepLog(), trainable, workers);
    if (r.steps() != checkpoint.step()) {
      throw new IOException(
          "%s holds %d steps but its manifest says step %d"
              .formatted(checkpoint.stepLog(), r.steps(), checkpoint.step()));
    }
  }
}
