package io.github.mezo4j.cli;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
      // both folders are written by DecoderFolder.save: equal weights give equal files, compared
      // as files so that a model as large as the memory is never held twice
      ReplayCommand.report(
          ckpt,
          cmd.out,
          seconds,
          () -> sameFiles(ckpt.weights().get(), cmd.out, HuggingFaceFolder.WEIGHTS));
    }
    return 0;
  }

  /** Whether {@code name} has the same bytes in folders {@code a} and {@code b}. */
  private static boolean sameFiles(Path a, Path b, String name) throws IOException {
    return Files.mismatch(a.resolve(name), b.resolve(name)) == -1L;
  }
}
