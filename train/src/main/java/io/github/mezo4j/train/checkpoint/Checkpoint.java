package io.github.mezo4j.train.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.mezo.Replay;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.AtomicFiles;
import io.github.mezo4j.nn.io.FileErrors;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.train.head.ClassifierHead;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.TrainParams;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A checkpoint folder: everything needed to rebuild the fine-tuned classifier from its base model.
 *
 * <pre>
 * manifest.json    base model, task, step, dev metric, the run's configuration and data (written last)
 * steps.mezolog    the step log of steps 0 .. step-1 (a few kilobytes)
 * head-init/       the head before training ({@link HeadFiles})
 * head/            the head at this step
 * model/           optional (--save-weights): the encoder weights as a Hugging Face folder (LoRA
 *                  adapters merged in)
 * </pre>
 *
 * The weights at this step are the base weights plus a {@link Replay} of the step log (applied to
 * the encoder's weights followed by head-init's); {@link #replay} does it and checks the replayed
 * head against {@code head/} bit for bit. A folder is written under a hidden temporary name and
 * renamed into place whole, so a checkpoint is either complete or absent.
 */
public final class Checkpoint {
  /** The manifest file, written last: its presence marks a complete checkpoint. */
  public static final String MANIFEST = "manifest.json";

  /** The step log of the steps up to this checkpoint. */
  public static final String STEP_LOG = "steps.mezolog";

  /** The folder of the head before training. */
  public static final String HEAD_INIT = "head-init";

  /** The folder of the head at this step. */
  public static final String HEAD = "head";

  /** The optional folder of the encoder weights. */
  public static final String MODEL = "model";

  /** The manifest's {@code format} value. */
  public static final String FORMAT = "mezo4j-checkpoint";

  /** The newest manifest version this build writes and reads. */
  public static final int VERSION = 1;

  private final Path dir;
  private final ObjectNode manifest;

  private Checkpoint(Path dir, ObjectNode manifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /**
   * Opens a checkpoint folder, or a run folder (then its best checkpoint).
   *
   * @throws NoSuchFileException if {@code path} is neither
   * @throws IOException naming the file and field of an incomplete manifest
   */
  public static Checkpoint open(Path path) throws IOException {
    RunFolder run = new RunFolder(path);
    if (Files.isRegularFile(path.resolve(MANIFEST)) || !Files.isRegularFile(run.state())) {
      return openFolder(path, path);
    }
    // a run folder, perhaps of a live run: it writes the new state before deleting the checkpoint
    // the old one named, so a checkpoint that vanishes while it is read means "read state again"
    for (int attempt = 1; ; attempt++) {
      Path best = run.checkpoint(RunState.read(run.state()).bestCheckpoint());
      try {
        return openFolder(path, best);
      } catch (NoSuchFileException e) {
        if (attempt == 3 || Files.exists(best)) {
          throw e;
        }
      }
    }
  }

  private static Checkpoint openFolder(Path path, Path dir) throws IOException {
    Path file = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          path.toString(),
          null,
          "not a checkpoint (no " + MANIFEST + ") nor a run folder (no " + RunFolder.STATE + ")");
    }
    ObjectNode m = JsonFiles.read(file);
    JsonFiles.require(m, "format", file);
    JsonFiles.require(m, "version", file);
    JsonFiles.checkFormat(m, file, FORMAT, VERSION);
    for (String field : new String[] {"base_model", "task", "step"}) {
      JsonFiles.require(m, field, file);
    }
    JsonFiles.requireObject(m, "config", file); // config() hands it out as an object
    Checkpoint c = new Checkpoint(dir, m);
    // the manifest's step is the step log's length: a checkpoint whose two disagree is damaged
    long records = StepLog.read(c.stepLog()).records().size();
    if (records != c.step()) {
      throw new IOException(
          "%s holds %d steps but %s says step %d".formatted(c.stepLog(), records, file, c.step()));
    }
    return c;
  }

  /** The checkpoint folder. */
  public Path dir() {
    return dir;
  }

  /** The whole manifest. */
  public ObjectNode manifest() {
    return manifest;
  }

  /** The base model the step log applies to ({@code minilm}, a folder, ...). */
  public String baseModel() {
    return manifest.get("base_model").asText();
  }

  /** The task the run trained on, as {@code --task} named it. */
  public String task() {
    return manifest.get("task").asText();
  }

  /** Steps taken: the step log's record count. */
  public long step() {
    return manifest.get("step").asLong();
  }

  /**
   * How the run stored the base model's weights ({@code --dtype}: auto, f32 or bf16; f32 for runs
   * that predate the setting). Replay must load the base model the same way to be bit-exact.
   */
  public String baseDType() {
    return RunSettings.recordedDType(config());
  }

  /** The run's configuration ({@code run.json}'s {@code config}). */
  public ObjectNode config() {
    return (ObjectNode) manifest.get("config");
  }

  /** The step log file. */
  public Path stepLog() {
    return dir.resolve(STEP_LOG);
  }

  /** The saved encoder weights, if the run saved them. */
  public Optional<Path> weights() {
    Path m = dir.resolve(MODEL);
    return Files.isDirectory(m) ? Optional.of(m) : Optional.empty();
  }

  /** The head before training. */
  public ClassifierHead headInit(EncoderClassifier classifier) throws IOException {
    return HeadFiles.load(dir.resolve(HEAD_INIT), classifier.tokenizer(), classifier.padId());
  }

  /** The head at this checkpoint's step. */
  public ClassifierHead head(EncoderClassifier classifier) throws IOException {
    return HeadFiles.load(dir.resolve(HEAD), classifier.tokenizer(), classifier.padId());
  }

  /**
   * The classifier the run started from: {@code atBase} (an encoder at its base weights) with the
   * run's LoRA adapters if it had some, and head-init.
   */
  public EncoderClassifier atStart(EncoderClassifier atBase) throws IOException {
    // a LoRA run's adapters start from the run seed, as the run built them
    EncoderClassifier adapted =
        FineTuneConfig.withAdapters(params(), config().path("seed").asLong(), atBase);
    return adapted.withHead(headInit(atBase));
  }

  /**
   * The weights of {@code started} ({@link #atStart}) that the run trained, as its log holds them.
   */
  public ParameterSet trainable(EncoderClassifier started) {
    return started.trainable(params().selector(started.embedder().encoder().layerCount()));
  }

  /** Which weights the run trained, as run.json records them (all for runs before the option). */
  public TrainParams params() {
    return TrainParams.parse(config().path("params").asText("all"));
  }

  /**
   * Rebuilds the fine-tuned classifier: puts head-init on {@code atBase} (an encoder at its base
   * weights, changed in place), adds the run's LoRA adapters if it had some, and replays the step
   * log onto the encoder's and head's trained weights.
   *
   * @throws IllegalStateException if the replayed head differs from the saved one (the base model
   *     is not the one the run started from)
   */
  public EncoderClassifier replay(EncoderClassifier atBase, Workers workers) throws IOException {
    EncoderClassifier c = atStart(atBase);
    Replay.Result r = Replay.apply(stepLog(), trainable(c), workers);
    if (r.steps() != step()) {
      throw new IOException(
          "%s holds %d steps but %s says step %d"
              .formatted(stepLog(), r.steps(), dir.resolve(MANIFEST), step()));
    }
    ParameterSet saved = head(atBase).parameters();
    for (Parameter p : saved) {
      if (!p.contentEquals(c.head().parameters().get(p.name()))) {
        throw new IllegalStateException(
            ("replaying %s on the base model does not reproduce the saved head (%s differs):"
                    + " the base model is not the one the run started from (%s)")
                .formatted(stepLog(), p.name(), baseModel()));
      }
    }
    return c;
  }

  /**
   * What a checkpoint is written from.
   *
   * @param step steps taken
   * @param liveStepLog the run's step log, holding at least {@code step} records; its first {@code
   *     step} are copied
   * @param headInit the head before training
   * @param head the head now
   * @param manifest the manifest (format and step are added)
   * @param bertConfig the encoder's config, for the weights folder
   * @param encoderWeights the encoder's weights now, or null not to save them
   * @param tokenizer saved beside the weights, or null
   */
  public record Content(
      long step,
      Path liveStepLog,
      ClassifierHead headInit,
      ClassifierHead head,
      ObjectNode manifest,
      BertConfig bertConfig,
      ParameterSet encoderWeights,
      TokenizerJson tokenizer) {}

  /**
   * Writes a checkpoint folder at {@code target} whole: into a hidden sibling, then renamed. An
   * existing folder at {@code target} (left by an interrupted run, unreferenced) is replaced.
   */
  public static void write(Path target, Content content) throws IOException {
    writeFolder(
        target,
        content.step(),
        content.liveStepLog(),
        content.manifest(),
        content.encoderWeights() != null,
        temp -> {
          HeadFiles.save(temp.resolve(HEAD_INIT), content.headInit());
          HeadFiles.save(temp.resolve(HEAD), content.head());
          if (content.encoderWeights() != null) {
            HuggingFaceFolder.save(
                temp.resolve(MODEL),
                content.bertConfig(),
                content.encoderWeights(),
                content.tokenizer(),
                HuggingFaceFolder.DEFAULT_MAX_SHARD_BYTES);
          }
        });
  }

  /** The files one kind of checkpoint adds to its folder, written into the hidden sibling. */
  @FunctionalInterface
  interface FolderFiles {
    void write(Path temp) throws IOException;
  }

  /**
   * Writes a checkpoint folder at {@code target} whole, for every kind of checkpoint: the step log
   * prefix, the kind's own {@code files}, then the manifest, all into a hidden sibling that is then
   * renamed over {@code target} and made durable.
   *
   * @param manifest the kind's manifest entries (format, version, step, step_log and weights are
   *     added around them)
   * @param withWeights whether {@code files} writes full weights into {@link #MODEL}
   */
  static void writeFolder(
      Path target,
      long step,
      Path liveStepLog,
      ObjectNode manifest,
      boolean withWeights,
      FolderFiles files)
      throws IOException {
    Path temp = AtomicFiles.hiddenSibling(target, ".tmp");
    try {
      Files.createDirectories(temp);
      AtomicFiles.write(temp.resolve(STEP_LOG), stepLogPrefix(liveStepLog, step));
      files.write(temp);
      ObjectNode m = JsonFiles.versioned(FORMAT, VERSION);
      m.setAll(manifest);
      m.put("step", step);
      m.put("step_log", STEP_LOG);
      m.put("weights", withWeights ? MODEL : null);
      JsonFiles.write(temp.resolve(MANIFEST), m);
      RunFolder.deleteTree(target);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(target.toAbsolutePath().getParent());
    } catch (IOException e) {
      deleteQuietly(temp);
      // the checkpoints before this one and state.json naming the last of them are untouched
      throw new IOException(
          "cannot write the checkpoint of step %d to %s: %s; the previous checkpoint is intact,"
                  .formatted(step, target, FileErrors.describe(e))
              + " and --resume continues from it once the cause is fixed",
          e);
    } catch (RuntimeException e) {
      deleteQuietly(temp);
      throw e;
    }
  }

  /** Removes a half-written checkpoint folder; a failure to do so must not hide the first one. */
  private static void deleteQuietly(Path temp) {
    try {
      RunFolder.deleteTree(temp);
    } catch (IOException | RuntimeException ignored) {
      // left as a hidden folder, which the next checkpoint or a fresh start clears
    }
  }

  /** The header and the first {@code steps} records of a step log, checked intact. */
  static byte[] stepLogPrefix(Path log, long steps) throws IOException {
    StepLog read = StepLog.read(log);
    if (read.records().size() < steps) {
      throw new IOException(
          "step log %s holds %d intact records; the checkpoint needs %d"
              .formatted(log, read.records().size(), steps));
    }
    long bytes = read.validBytes() - (read.records().size() - steps) * read.header().recordSize();
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(bytes));
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
      while (b.hasRemaining()) {
        if (ch.read(b, b.position()) < 0) {
          throw new IOException("step log %s ended while copying it".formatted(log));
        }
      }
    }
    return b.array();
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // durability best effort only (not possible on every platform); the rename is atomic
    }
  }
}
