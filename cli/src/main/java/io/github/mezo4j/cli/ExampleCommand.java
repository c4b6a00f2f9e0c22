package io.github.mezo4j.cli;

import io.github.mezo4j.core.example.SentimentExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mezo4j example}: MeZO fine-tuning of all-MiniLM-L6-v2 on k-shot SST-2 ({@link
 * MiniLmSentimentJob}), or of a bag-of-words classifier ({@link SentimentExample}).
 */
@Command(
    name = "example",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune a model with MeZO on real SST-2 sentences and watch the loss fall.",
      "",
      "--model minilm (default): all 22.6M encoder weights of the built-in",
      "all-MiniLM-L6-v2, in place, on the MeZO paper's k=16 SST-2 protocol (LM-BFF",
      "split 16-<seed>: 32 training sentences), with a cosine head on the label texts",
      "\"It was terrible.\" / \"It was great.\" (no new weights). Prints the training",
      "loss, the k-shot dev accuracy, GLUE SST-2 dev accuracy before and after, and",
      "the size of the step log that replays the run. About 80 s on two cores.",
      "Defaults: 200 steps, eps 1e-3, lr 1.5e-4, seed 42.",
      "",
      "--model bow: logistic regression on hashed bag-of-words features of the full",
      "SST-2 train set (about 20 s). Defaults: 10000 steps, batch 2048, eps 1e-3,",
      "lr 0.5, seed 42.",
      "",
      "Data: the shared data folder ($MEZO4J_DATA, else ../shared/data beside the",
      "project), holding lmbff-kshot16/ and glue-sst2/."
    })
final class ExampleCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "minilm",
      description = "minilm or bow. Default: ${DEFAULT-VALUE}")
  String model;

  @Option(names = "--steps", description = "MeZO steps (default: per model, above).")
  Integer steps;

  @Option(names = "--lr", description = "ZO-SGD learning rate (default: per model).")
  Double lr;

  @Option(names = "--eps", description = "Perturbation scale (default: 1e-3).")
  Double eps;

  @Option(names = "--seed", description = "Run seed (default: 42).")
  Long seed;

  @Option(names = "--threads", description = "Worker threads (default: 2).")
  Integer threads;

  @Option(names = "--eval-every", description = "Report every N steps (minilm 20, bow 1000).")
  Integer evalEvery;

  @Option(names = "--data", description = "The shared data folder (default: found as above).")
  Path data;

  @Option(
      names = "--log",
      description = "minilm: write the step log here (must not exist; default: a temporary file).")
  Path log;

  @Option(
      names = "--kshot-seed",
      description = "minilm: LM-BFF split 16-<seed>: 13, 21, 42, 87 or 100 (default: 42).")
  Integer kshotSeed;

  @Option(names = "--no-glue", description = "minilm: skip the GLUE SST-2 dev evaluations.")
  boolean noGlue;

  @Option(
      names = "--verify-replay",
      description = "minilm: replay the step log on fresh weights and check they match.")
  boolean verifyReplay;

  @Option(names = "--batch", description = "bow: sentences per step (default: 2048).")
  Integer batch;

  @Option(names = "--buckets", description = "bow: hashed features (default: 4096).")
  Integer buckets;

  @Override
  public Integer call() throws Exception {
    return switch (model) {
      case "minilm" -> minilm();
      case "bow" -> bow();
      default ->
          throw new IllegalArgumentException(
              "--model '%s': expected minilm or bow".formatted(model));
    };
  }

  private int minilm() throws Exception {
    rejectForOtherModel("--batch", batch);
    rejectForOtherModel("--buckets", buckets);
    MiniLmSentimentJob.Config d = MiniLmSentimentJob.Config.defaults();
    MiniLmSentimentJob.Config c =
        new MiniLmSentimentJob.Config(
            Arguments.atLeast("--steps", orElse(steps, d.steps()), 0),
            Arguments.positiveFinite("--eps", orElse(eps, d.eps())),
            Arguments.positiveFinite("--lr", orElse(lr, d.lr())),
            orElse(seed, d.seed()),
            Arguments.atLeast("--threads", orElse(threads, d.threads()), 1),
            Arguments.atLeast("--eval-every", orElse(evalEvery, d.evalEvery()), 1),
            orElse(kshotSeed, d.kshotSeed()),
            !noGlue,
            verifyReplay,
            d.labelTexts(),
            d.scale());
    if (log != null && Files.exists(log)) {
      throw new IllegalArgumentException(
          "--log %s already exists; a step log is never overwritten".formatted(log));
    }
    Path root = data != null ? data : MiniLmSentimentJob.findDataRoot();
    try (MiniLmSentimentJob job = MiniLmSentimentJob.load(root, c)) {
      job.run(log, System.out);
    }
    return 0;
  }

  private int bow() throws Exception {
    rejectForOtherModel("--log", log);
    rejectForOtherModel("--kshot-seed", kshotSeed);
    if (noGlue || verifyReplay) {
      throw new IllegalArgumentException("--no-glue and --verify-replay apply to --model minilm");
    }
    SentimentExample.Config d = SentimentExample.Config.defaults();
    SentimentExample.Config c =
        new SentimentExample.Config(
            Arguments.atLeast("--buckets", orElse(buckets, d.buckets()), 1),
            Arguments.atLeast("--steps", orElse(steps, d.steps()), 1),
            Arguments.atLeast("--batch", orElse(batch, d.batchSize()), 1),
            Arguments.positiveFinite("--eps", orElse(eps, d.eps())),
            Arguments.positiveFinite("--lr", orElse(lr, d.lr())),
            orElse(seed, d.seed()),
            Arguments.atLeast("--eval-every", orElse(evalEvery, d.evalEvery()), 1),
            Arguments.atLeast("--threads", orElse(threads, d.threads()), 1));
    Path dir = data != null ? data.resolve("glue-sst2") : SentimentExample.findData();
    SentimentExample.run(dir, c, System.out);
    return 0;
  }

  private void rejectForOtherModel(String option, Object value) {
    if (value != null) {
      throw new IllegalArgumentException(
          "%s does not apply to --model %s".formatted(option, model));
    }
  }

  private static <T> T orElse(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
