package io.github.mezo4j.cli;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.head.ClassifierHead;
import io.github.mezo4j.train.head.PromptHead;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import io.github.mezo4j.train.trainer.TrainParams;
import java.io.IOException;
import java.util.List;

/** Rebuilds the classifier a checkpoint describes, for {@code eval} and {@code replay}. */
final class CheckpointModels {
  private CheckpointModels() {}

  /** The base model and a classifier on it (at base weights), with a placeholder head. */
  record Base(BertCheckpoint checkpoint, EncoderClassifier classifier) {}

  /** The base model of a checkpoint, stored as its run stored it. */
  static Base base(Checkpoint ckpt) throws IOException {
    return base(ckpt.baseModel(), LoadDType.parse(ckpt.baseDType()));
  }

  static Base base(String modelSpec, LoadDType dtype) throws IOException {
    BertCheckpoint base = Models.load(modelSpec, dtype);
    WordPieceTokenizer tokenizer = Tokenizers.of(base, modelSpec);
    BertEncoder encoder = BertEncoder.of(base.config(), base.parameters());
    ClassifierHead placeholder =
        PromptHead.of(List.of("a", "b"), 1, tokenizer, base.config().padTokenId());
    return new Base(base, EncoderClassifier.meanPooled(encoder, tokenizer, placeholder));
  }

  /**
   * The fine-tuned classifier: the saved weights and head when the checkpoint has them, else the
   * base model plus a replay of the step log. A LoRA run is always replayed (only its adapters and
   * head): its saved weights have the adapters merged in, which computes the same up to rounding
   * only, while the replayed adapters give the run's own bits.
   */
  static EncoderClassifier load(Checkpoint ckpt, Workers workers, boolean forceReplay)
      throws IOException {
    boolean lora = ckpt.params().form() == TrainParams.Form.LORA;
    if (!forceReplay && !lora && ckpt.weights().isPresent()) {
      BertCheckpoint saved = savedWeights(ckpt);
      Base b = base(ckpt);
      EncoderClassifier c =
          EncoderClassifier.meanPooled(
              BertEncoder.of(saved.config(), saved.parameters()),
              b.classifier().tokenizer(),
              b.classifier().head());
      return c.withHead(ckpt.head(c));
    }
    return ckpt.replay(base(ckpt).classifier(), workers);
  }

  /** The weights a checkpoint saved (--save-weights), stored as the run stored its model. */
  static BertCheckpoint savedWeights(Checkpoint ckpt) throws IOException {
    return HuggingFaceFolder.load(
        ckpt.weights().orElseThrow(), LoadDType.parse(ckpt.baseDType()).storage());
  }
}
