package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.JsonFiles;

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
      ObjectNode json = JsonFiles.object();
      json.put("checkpoint", ckpt.dir().toString());
      json.put("base_model", ckpt.baseModel());
      json.put("steps", ckpt.step());
      json.put("out", cmd.out.toString());
      json.put("replay_seconds", seconds);
      if (ckpt.weights().isPresent()) {
        ParameterSet saved = DecoderFolder.load(ckpt.weights().get()).parameters();
        boolean same = saved.count() == weights.count();
        for (Parameter p : saved) {
          same &= weights.contains(p.name()) && p.contentEquals(weights.get(p.name()));
        }
        json.put("identical_to_saved_weights", same);
        if (!same) {
          throw new IllegalStateException(
              "the replayed weights differ from the weights saved in " + ckpt.weights().get());
        }
      }
      System.out.println(JsonFiles.line(json));
    }
    return 0;
  }
}
