package io.github.mezo4j.cli;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.ForwardBenchmark;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mezo4j bench ...}: speed measurements of the engine. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure the engine's speed.",
    subcommands = {BenchCommand.Forward.class})
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing a command");
  }

  /** Times encoder forward passes on random token ids and prints one JSON line. */
  @Command(
      name = "forward",
      mixinStandardHelpOptions = true,
      description = {
        "Time forward passes of an encoder on random token ids (fixed seed), after warm-up.",
        "Prints one JSON line: median_ms, min_ms, max_ms, tokens_per_s and the settings."
      })
  static final class Forward implements Callable<Integer> {
    @Option(
        names = "--model",
        defaultValue = "minilm",
        description =
            "minilm (built in), a Hugging Face folder, or an .onnx file. Default: ${DEFAULT-VALUE}")
    String model;

    @Option(
        names = "--batch",
        defaultValue = "8",
        description = "Sequences per pass. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(
        names = "--seq",
        defaultValue = "128",
        description = "Tokens per sequence. Default: ${DEFAULT-VALUE}")
    int seq;

    @Option(
        names = "--threads",
        defaultValue = "0",
        description = "Worker threads (0 = available processors). Default: ${DEFAULT-VALUE}")
    int threads;

    @Option(names = "--iters", description = "Timed passes. Default: ${DEFAULT-VALUE}")
    int iters = ForwardBenchmark.DEFAULT_ITERATIONS;

    // Generous: a loop compiled on the main thread still runs interpreted when a worker first
    // enters it.
    @Option(names = "--warmup", description = "Untimed passes first. Default: ${DEFAULT-VALUE}")
    int warmup = ForwardBenchmark.DEFAULT_WARMUP;

    @Option(
        names = "--seed",
        defaultValue = "42",
        description = "Seed of the random ids. Default: ${DEFAULT-VALUE}")
    long seed;

    @Override
    public Integer call() throws Exception {
      Arguments.positive("--batch", batch);
      Arguments.positive("--seq", seq);
      Arguments.positive("--iters", iters);
      Arguments.atLeast("--warmup", warmup, 0);
      int threadCount = Arguments.threads("--threads", threads);
      BertCheckpoint checkpoint = Models.load(model);
      int maxSeq = checkpoint.config().maxPositionEmbeddings();
      if (seq > maxSeq) {
        throw new IllegalArgumentException(
            "--seq %d exceeds the model's max_position_embeddings %d".formatted(seq, maxSeq));
      }
      BertEncoder encoder = BertEncoder.of(checkpoint.config(), checkpoint.parameters());
      try (Workers workers = Workers.of(threadCount)) {
        ForwardBenchmark.Result r =
            ForwardBenchmark.run(encoder, batch, seq, warmup, iters, seed, workers);
        System.out.println(
            String.format(
                Locale.ROOT,
                "{\"model\":%s,\"batch\":%d,\"seq\":%d,\"threads\":%d,\"iters\":%d,"
                    + "\"median_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"tokens_per_s\":%.1f}",
                Json.string(model),
                r.batch(),
                r.seq(),
                r.threads(),
                r.iterations(),
                r.medianMs(),
                r.minMs(),
                r.maxMs(),
                r.tokensPerSecond()));
      }
      return 0;
    }
  }
}
