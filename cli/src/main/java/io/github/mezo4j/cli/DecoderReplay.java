package io.github.mezo4j.cli;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.train.checkpoint.Checkpoint;

/**
 * {@code mezo4j replay} for decoder checkpoints: base model plus the step log, saved as a Hugging
 * Face folder (config.json, model.safetensors) with the model's tokenizer beside it.
 */
final class DecoderReplay {
  private DecoderReplay() {}

  static int run(ReplayCommand cmd, Checkpoint ckpt) throws Exception {
    try (Workers workers = Workers.of(Arguments.threads("--threads", cmd.threads))) {
      long t0 = System.nanoTime();
      DecoderModels.Loaded m = DecoderModels.fineTuned(ckpt, null, workers, true);
      double seconds = (System.nanoTime() - t0) / 1e9;
      ParameterSet weights = m.checkpoint().model().parameters();
      DecoderFolder.save(cmd.out, m.config(), weights);
      DecoderModels.copyTokenizer(m, cmd.out);
      ReplayCommand.report(
          ckpt,
          cmd.out,
          seconds,
          weights,
          () ->
              DecoderFolder.load(ckpt.weights().get(), LoadDType.parse(ckpt.baseDType()).storage())
                  .parameters());
    }
    return 0;
  }
}
