package io.github.mezo4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that only decoder models (llama2.c .bin, HF Llama/OPT/GPT-2 folders) read. */
final class DecoderOptions {
  @Option(
      names = "--score",
      defaultValue = "mean",
      description =
          "Decoders: a candidate answer's score, the mean (MeZO's code) or sum of its tokens'"
              + " log-probabilities. Default: mean.")
  String score;

  @Option(
      names = "--tokenizer",
      description = "Decoders: the tokenizer file or folder, if not the one beside the model.")
  Path tokenizer;
}
