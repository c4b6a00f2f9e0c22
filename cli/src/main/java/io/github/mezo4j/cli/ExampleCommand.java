package io.github.mezo4j.cli;

import io.github.mezo4j.core.example.SentimentExample;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mezo4j example}: MeZO on a small real objective, printing the loss as it falls. */
@Command(
    name = "example",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune a small real objective with MeZO and watch the loss fall.",
      "",
      "A logistic-regression sentiment classifier on real SST-2 sentences (hashed",
      "bag of words) with MeZO, printing the training loss and dev accuracy as they improve.",
      "Data: $MEZO4J_DATA/glue-sst2, else ../shared/data/glue-sst2 beside the project."
    })
final class ExampleCommand implements Callable<Integer> {
  private static final SentimentExample.Config DEFAULTS = SentimentExample.Config.defaults();

  @Option(names = "--steps", description = "MeZO steps (default ${DEFAULT-VALUE}).")
  int steps = DEFAULTS.steps();

  @Option(names = "--lr", description = "ZO-SGD learning rate (default ${DEFAULT-VALUE}).")
  double lr = DEFAULTS.lr();

  @Option(names = "--eps", description = "Perturbation scale (default ${DEFAULT-VALUE}).")
  double eps = DEFAULTS.eps();

  @Option(names = "--batch", description = "Sentences per step (default ${DEFAULT-VALUE}).")
  int batch = DEFAULTS.batchSize();

  @Option(names = "--buckets", description = "Hashed features (default ${DEFAULT-VALUE}).")
  int buckets = DEFAULTS.buckets();

  @Option(names = "--seed", description = "Run seed (default ${DEFAULT-VALUE}).")
  long seed = DEFAULTS.seed();

  @Option(names = "--eval-every", description = "Report every N steps (default ${DEFAULT-VALUE}).")
  int evalEvery = DEFAULTS.evalEvery();

  @Option(names = "--threads", description = "Worker threads (default ${DEFAULT-VALUE}).")
  int threads = DEFAULTS.threads();

  @Option(names = "--data", description = "The glue-sst2 folder (default: found as above).")
  Path data;

  @Override
  public Integer call() throws Exception {
    Arguments.positive("--steps", steps);
    Arguments.positive("--batch", batch);
    Arguments.positive("--buckets", buckets);
    Arguments.positive("--eval-every", evalEvery);
    Arguments.positive("--threads", threads);
    Path dir = data != null ? data : SentimentExample.findData();
    SentimentExample.run(
        dir,
        new SentimentExample.Config(buckets, steps, batch, eps, lr, seed, evalEvery, threads),
        System.out);
    return 0;
  }
}
