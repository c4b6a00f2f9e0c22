package io.github.mezo4j.cli;

import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.DemoData;
import io.github.mezo4j.train.head.HeadSpec;
import io.github.mezo4j.train.head.LinearProbe;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.prompt.EncoderPrompts;
import io.github.mezo4j.train.prompt.LabelPrompts;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.FineTuner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mezo4j demo}: the main job. MeZO fine-tuning of the built-in all-MiniLM-L6-v2 on the demo
 * sentiment set shipped in the jar, offline, with the progress bar, plots and summary.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune the built-in all-MiniLM-L6-v2 with MeZO (in place, forward passes only)",
      "on the demo sentiment set shipped in the jar (200 train / 100 dev review",
      "sentences), with the label-prompt head: class scores are 20 * cos(sentence,",
      "\"It was terrible.\" / \"It was great.\"). By default MeZO trains the encoder's",
      "biases and LayerNorm weights (--train-params bias-norm): in a few hundred steps",
      "the SPSA estimate over fewer weights is far less noisy than over all 22.6M",
      "(--train-params all). Offline; a few minutes on two cores. Writes metrics.jsonl,",
      "train_loss.png, dev_metric.png, summary.json and the checkpoints into --out."
    })
final class DemoCommand implements Callable<Integer> {
  static final String DEFAULT_OUT = "mezo4j-demo";
  private static final String TRAIN_PARAMS_DEFAULT = "bias-norm";

  @Option(
      names = "--out",
      defaultValue = DEFAULT_OUT,
      description =
          "The run folder (replaced if it holds an earlier demo). Default: ${DEFAULT-VALUE}.")
  Path out;

  @Option(names = "--steps", defaultValue = "300", description = "Default: ${DEFAULT-VALUE}.")
  int steps;

  @Option(names = "--lr", defaultValue = "3e-3", description = "Default: ${DEFAULT-VALUE}.")
  double lr;

  @Option(names = "--eps", defaultValue = "1e-3", description = "Default: ${DEFAULT-VALUE}.")
  double eps;

  @Option(names = "--batch", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--eval-every", defaultValue = "25", description = "Default: ${DEFAULT-VALUE}.")
  int evalEvery;

  @Option(
      names = "--head",
      defaultValue = "prompt",
      description = "prompt or linear. Default: ${DEFAULT-VALUE}.")
  String head;

  @Option(
      names = "--train-params",
      defaultValue = TRAIN_PARAMS_DEFAULT,
      description =
          "Encoder weights MeZO trains: all, bias-norm (biases and LayerNorm weights) or a glob"
              + " over weight names. Default: ${DEFAULT-VALUE}.")
  String trainParams;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Worker threads; 0 = one per core. Results do not depend on it.")
  int threads;

  @Option(names = "--resume", description = "Continue an interrupted demo in --out.")
  boolean resume;

  @Override
  public Integer call() throws Exception {
    Arguments.atLeast("--steps", steps, 0);
    Arguments.positiveFinite("--lr", lr);
    Arguments.positiveFinite("--eps", eps);
    Arguments.positive("--batch", batch);
    Arguments.positive("--eval-every", evalEvery);
    if (!resume && Files.exists(out.resolve(RunFolder.RUN))) {
      // the demo is rerun often: an earlier demo's folder is replaced, anything else is not
      String model = JsonFiles.read(out.resolve(RunFolder.RUN)).path("base_model").asText();
      String task = JsonFiles.read(out.resolve(RunFolder.RUN)).path("task").asText();
      if (!"minilm".equals(model) || !DemoData.NAME.equals(task)) {
        throw new IllegalArgumentException(
            "%s holds another run (%s on %s); pick another --out".formatted(out, model, task));
      }
      RunFolder.deleteTree(out);
    }
    Dataset data = DemoData.load();
    LabelPrompts prompts = EncoderPrompts.forTask(DemoData.NAME);
    FineTuneConfig config =
        new FineTuneConfig(
            DemoData.NAME,
            Models.BUILT_IN,
            head,
            trainParams,
            ClassificationLoss.CROSS_ENTROPY,
            "accuracy",
            steps,
            lr,
            eps,
            batch,
            seed,
            evalEvery,
            false,
            Map.of("source", data.source()));
    System.err.println(
        "mezo4j demo: MeZO fine-tuning of all-MiniLM-L6-v2 on the bundled demo reviews; results"
            + " go to "
            + out.toAbsolutePath().normalize());
    FineTuner.Result r =
        FinetuneCommand.run(
            config,
            Models.BUILT_IN,
            data,
            prompts,
            new HeadSpec(head, prompts.sentences(), 20, LinearProbe.Options.defaults()),
            out,
            resume,
            Arguments.threads("--threads", threads));
    System.out.printf(
        Locale.ROOT,
        "dev accuracy %.3f before training -> %.3f after %d steps (best %.3f at step %d), %.0f s%n",
        r.summary().get("initial_dev_metric").asDouble(),
        r.finalDevMetric(),
        r.summary().get("steps").asLong(),
        r.bestDevMetric(),
        r.summary().get("best_step").asLong(),
        r.summary().get("seconds").asDouble());
    Path dir = out.toAbsolutePath().normalize();
    System.out.println("plots:   " + dir.resolve(RunFolder.LOSS_PLOT));
    System.out.println("         " + dir.resolve(RunFolder.METRIC_PLOT));
    System.out.println("summary: " + dir.resolve(RunFolder.SUMMARY));
    System.out.println("best checkpoint (step log + head): " + r.best());
    return 0;
  }
}
