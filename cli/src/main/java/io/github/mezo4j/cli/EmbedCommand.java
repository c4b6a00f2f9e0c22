package io.github.mezo4j.cli;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.EncoderInput;
import io.github.mezo4j.nn.model.SentenceEmbedder;
import io.github.mezo4j.nn.model.SentencePooling;
import io.github.mezo4j.tokenizer.Encoding;
import io.github.mezo4j.tokenizer.Padding;
import io.github.mezo4j.tokenizer.Truncation;
import io.github.mezo4j.tokenizer.WordPieceTokenizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mezo4j embed}: one sentence embedding per input line. */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description = {
      "Embed stdin lines with a BERT-family encoder; one JSON vector per line.",
      "",
      "Reads one sentence per line and prints {\"embedding\":[...]} per line.",
      "Texts longer than the model's maximum length are truncated."
    })
final class EmbedCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = Models.BUILT_IN,
      description = "minilm (built in, default), a Hugging Face folder, or an .onnx file.")
  String model;

  @Option(
      names = "--pooling",
      defaultValue = "mean",
      description = "mean (over real tokens) or cls. Default: ${DEFAULT-VALUE}")
  String pooling;

  @Option(names = "--normalize", description = "Scale each embedding to unit length.")
  boolean normalize;

  @Option(
      names = "--batch",
      defaultValue = "32",
      description = "Lines per forward pass. Default: ${DEFAULT-VALUE}")
  int batch;

  @Option(
      names = "--dtype",
      defaultValue = "auto",
      description =
          "Weight storage: auto (bf16 tensors stay bf16, f32/f16 load as f32), f32 or bf16"
              + " (rounded at load). Default: ${DEFAULT-VALUE}")
  String dtype;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Worker threads (0 = available processors). Default: ${DEFAULT-VALUE}")
  int threads;

  @Override
  public Integer call() throws Exception {
    SentencePooling mode =
        switch (pooling) {
          case "mean" -> SentencePooling.MEAN;
          case "cls" -> SentencePooling.CLS;
          default ->
              throw new IllegalArgumentException(
                  "--pooling '%s': expected mean or cls".formatted(pooling));
        };
    Arguments.positive("--batch", batch);
    int threadCount = Arguments.threads("--threads", threads);
    BertCheckpoint checkpoint = Models.load(model, LoadDType.parse(dtype));
    int maxTokens = checkpoint.config().maxPositionEmbeddings();
    WordPieceTokenizer tokenizer = Tokenizers.of(checkpoint, model);
    int limit =
        tokenizer.truncation().map(t -> Math.min(t.maxLength(), maxTokens)).orElse(maxTokens);
    tokenizer =
        tokenizer
            .withTruncation(Truncation.longestFirst(limit))
            .withPadding(Padding.batchLongest());
    SentenceEmbedder embedder =
        new SentenceEmbedder(
            BertEncoder.of(checkpoint.config(), checkpoint.parameters()), mode, normalize);
    PrintStream out = System.out;
    try (Workers workers = Workers.of(threadCount)) {
      Stdin in = new Stdin();
      List<String> lines = new ArrayList<>();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.add(line);
        if (lines.size() == batch) {
          write(out, embedder, tokenizer.encodeBatch(lines), workers);
          lines.clear();
        }
      }
      if (!lines.isEmpty()) {
        write(out, embedder, tokenizer.encodeBatch(lines), workers);
      }
    }
    out.flush();
    return out.checkError() ? 1 : 0;
  }

  private static void write(
      PrintStream out, SentenceEmbedder embedder, List<Encoding> encodings, Workers workers) {
    EncoderInput input = EncoderInput.of(encodings);
    float[] embeddings = embedder.embed(input, workers);
    int dim = embedder.dimension();
    for (int b = 0; b < input.batch(); b++) {
      StringBuilder sb = new StringBuilder("{\"embedding\":");
      Json.floats(sb, embeddings, b * dim, (b + 1) * dim);
      out.println(sb.append('}'));
    }
  }
}
