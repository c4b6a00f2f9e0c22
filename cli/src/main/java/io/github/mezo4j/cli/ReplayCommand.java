package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.PeftLoraAdapter;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.io.onnx.OnnxExport;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.DecoderCheckpoints;
import io.github.mezo4j.train.checkpoint.EmbeddingCheckpoints;
import io.github.mezo4j.train.checkpoint.HeadFiles;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mezo4j replay}: rebuilds a checkpoint's fine-tuned weights from base model + step log. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    header = "Rebuild fine-tuned weights bit for bit from the base model and the step log.",
    description = {
      "Rebuild the fine-tuned weights of a checkpoint from its base model and its step log,",
      "bit for bit, and save them as a Hugging Face folder (config.json, model.safetensors,",
      "tokenizer.json) with the head in head/. A LoRA run's adapters are merged into the",
      "weights they adapt (W + alpha/r B A) and also written for PEFT in adapter/",
      "(adapter_config.json, adapter_model.safetensors). With --format onnx it writes",
      "model.onnx + tokenizer.json instead, for applications that run the model in ONNX",
      "Runtime: a base model read from an ONNX file (minilm, an .onnx file) keeps its own",
      "graph with the fine-tuned weights in it, so it replaces the original file unchanged;",
      "any other encoder gets a standard BERT graph with inputs input_ids, attention_mask,",
      "token_type_ids and output last_hidden_state. Prints one JSON line."
    })
final class ReplayCommand implements Callable<Integer> {
  /** The folder under --out that holds a LoRA run's adapters in PEFT's layout. */
  static final String ADAPTER = "adapter";

  @Option(
      names = "--checkpoint",
      required = true,
      description = "A run folder (its best checkpoint) or a checkpoint folder.")
  Path checkpoint;

  @Option(names = "--out", required = true, description = "The folder to write (must not exist).")
  Path out;

  @Option(
      names = "--format",
      defaultValue = "hf",
      description =
          "hf: a Hugging Face folder. onnx: model.onnx + tokenizer.json (and head/ for a"
              + " classifier) for encoders; LoRA adapters are merged. Default: ${DEFAULT-VALUE}")
  String format;

  @Option(names = "--threads", defaultValue = "0", description = "Worker threads; 0 = all cores.")
  int threads;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out)) {
      throw new IllegalArgumentException("--out %s already exists".formatted(out));
    }
    if (!format.equals("hf") && !format.equals("onnx")) {
      throw new IllegalArgumentException("--format '%s': expected hf or onnx".formatted(format));
    }
    Checkpoint ckpt = Checkpoint.open(checkpoint);
    if (DecoderCheckpoints.isDecoder(ckpt)) {
      if (format.equals("onnx")) {
        throw new IllegalArgumentException(
            "--format onnx exports encoders (BERT family); %s fine-tunes the decoder %s. Use"
                    .formatted(checkpoint, ckpt.baseModel())
                + " --format hf");
      }
      return DecoderReplay.run(this, ckpt);
    }
    boolean onnx = format.equals("onnx");
    // read before the replay's work, so a missing source file fails fast
    Optional<Models.OnnxSource> graph =
        onnx ? Models.onnxSource(ckpt.baseModel()) : Optional.empty();
    Workers workers = Workers.of(Arguments.threads("--threads", threads));
    long t0 = System.nanoTime();
    if (EmbeddingCheckpoints.isEmbedding(ckpt)) {
      // an embedding run has no head: the encoder alone is the model
      BertCheckpoint b = Models.load(ckpt.baseModel(), LoadDType.parse(ckpt.baseDType()));
      BertEncoder encoder = BertEncoder.of(b.config(), b.parameters());
      EmbeddingCheckpoints.replay(ckpt, encoder, workers);
      double seconds = (System.nanoTime() - t0) / 1e9;
      save(b, encoder.parameters(), onnx, graph);
      report(
          ckpt,
          out,
          seconds,
          () -> same(encoder.parameters(), CheckpointModels.savedWeights(ckpt).parameters()));
      return 0;
    }
    CheckpointModels.Base base = CheckpointModels.base(ckpt);
    EncoderClassifier c = ckpt.replay(base.classifier(), workers);
    double seconds = (System.nanoTime() - t0) / 1e9;
    BertEncoder replayed = c.embedder().encoder();
    ParameterSet encoder = replayed.mergedParameters(); // the weights themselves without LoRA
    BertCheckpoint b = base.checkpoint();
    save(b, encoder, onnx, graph);
    HeadFiles.save(out.resolve("head"), c.head());
    if (replayed.lora() != null && !onnx) {
      PeftLoraAdapter.save(out.resolve(ADAPTER), replayed, Models.peftBaseModel(ckpt.baseModel()));
    }
    report(
        ckpt, out, seconds, () -> same(encoder, CheckpointModels.savedWeights(ckpt).parameters()));
    return 0;
  }

  /**
   * Writes the encoder as --format says: a Hugging Face folder, or model.onnx, into the base
   * model's own graph when it was read from one ({@code graph}), else as a new BERT graph.
   */
  private void save(
      BertCheckpoint base, ParameterSet weights, boolean onnx, Optional<Models.OnnxSource> graph)
      throws IOException {
    TokenizerJson tokenizer = base.tokenizer().orElse(null);
    if (!onnx) {
      HuggingFaceFolder.save(
          out, base.config(), weights, tokenizer, HuggingFaceFolder.DEFAULT_MAX_SHARD_BYTES);
    } else if (graph.isPresent()) {
      OnnxExport.write(out, graph.get().bytes(), graph.get().name(), weights, tokenizer);
    } else {
      OnnxExport.write(out, base.config(), weights, tokenizer);
    }
  }

  /**
   * Prints replay's JSON line; when the checkpoint also saved its weights, first checks that the
   * replayed ones equal them bit for bit.
   *
   * @param identicalToSaved whether the replayed weights equal the checkpoint's saved ones (called
   *     only if it has some)
   * @throws IllegalStateException if the replayed weights differ from the saved ones
   */
  static void report(Checkpoint ckpt, Path out, double seconds, Callable<Boolean> identicalToSaved)
      throws Exception {
    ObjectNode json = JsonFiles.object();
    json.put("checkpoint", ckpt.dir().toString());
    json.put("base_model", ckpt.baseModel());
    json.put("steps", ckpt.step());
    json.put("out", out.toString());
    json.put("replay_seconds", seconds);
    if (ckpt.weights().isPresent()) {
      boolean same = identicalToSaved.call();
      json.put("identical_to_saved_weights", same);
      if (!same) {
        throw new IllegalStateException(
            "the replayed weights differ from the weights saved in " + ckpt.weights().get());
      }
    }
    System.out.println(JsonFiles.line(json));
  }

  /** Whether {@code a} and {@code b} hold the same parameters with the same bits. */
  static boolean same(ParameterSet a, ParameterSet b) {
    boolean same = a.count() == b.count();
    for (Parameter p : b) {
      same &= a.contains(p.name()) && p.contentEquals(a.get(p.name()));
    }
    return same;
  }
}
