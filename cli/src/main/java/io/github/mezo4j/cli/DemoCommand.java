package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.nn.model.FrozenPrefixCache;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.DemoData;
import io.github.mezo4j.train.head.HeadSpec;
import io.github.mezo4j.train.head.LinearProbe;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.prompt.EncoderPrompts;
import io.github.mezo4j.train.prompt.LabelPrompts;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.FineTuner;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.TrainParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mezo4j demo}: the main job. MeZO fine-tuning of the built-in all-MiniLM-L6-v2 on the demo
 * sentiment set shipped in the jar, offline, with the progress bar, plots and summary. The default
 * head ({@link io.github.mezo4j.train.head.SimilarityHead}, from zero) starts at chance, so the
 * progress shows what MeZO learns; the zero-shot prompt head already scores 0.83 on this set and
 * MeZO does not move it beyond noise within the demo's budget.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "The main job: MeZO fine-tunes the built-in MiniLM on a bundled review set.",
    description =
        "Fine-tune the built-in all-MiniLM-L6-v2 with MeZO (forward passes only, the "
            + "perturbation applied while the weights are read) on the demo sentiment set shipped in "
            + "the jar (200 train / 100 dev review sentences). The head starts uninformed: class "
            + "scores are 20 * W s, where s holds the sentence's cosine similarities to \"It was "
            + "terrible.\" and \"It was great.\" (centred) and the 2x2 matrix W starts at zero, so "
            + "every class scores 0 and dev accuracy starts at chance (0.50). MeZO trains W together "
            + "with the encoder's biases and LayerNorm weights (--train-params bias-norm), and the "
            + "dev accuracy rises as it learns from the training data how the similarities map to the"
            + " classes. --head prompt starts instead from the fixed zero-shot prompt head (W = "
            + "identity, 0.83 here). Offline; a few minutes on two cores. Writes metrics.jsonl, "
            + "train_loss.png, dev_metric.png, summary.json and the checkpoints into --out.")
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

  @Option(names = "--batch", defaultValue = "16", description = "Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--eval-every", defaultValue = "25", description = "Default: ${DEFAULT-VALUE}.")
  int evalEvery;

  @Option(
      names = "--head",
      defaultValue = "similarity",
      description =
          "similarity (from zero), prompt (zero-shot), linear (linear probe) or zero (a linear"
              + " head of zeros). Default: ${DEFAULT-VALUE}.")
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
      ObjectNode runJson = new RunFolder(out).readRun();
      String model = runJson.path("base_model").asText();
      String task = runJson.path("task").asText();
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
            new RunSettings(
                DemoData.NAME,
                Models.BUILT_IN,
                TrainParams.parse(trainParams),
                DevMetric.ACCURACY,
                steps,
                lr,
                eps,
                batch,
                seed,
                evalEvery,
                false,
                Map.of("source", data.source()),
                RunSettings.DEFAULT_DTYPE,
                OptimizerSettings.DEFAULT),
            head,
            ClassificationLoss.CROSS_ENTROPY);
    System.err.println(
        "mezo4j demo: MeZO fine-tuning of all-MiniLM-L6-v2 on the bundled demo reviews; results"
            + " go to "
            + out.toAbsolutePath().normalize());
    if (head.equals("similarity")) {
      System.err.println(
          "head: 20 * W * (centred cosine similarities to \"%s\"), W = 0 at the start (chance);"
                  .formatted(String.join("\" / \"", prompts.sentences()))
              + " MeZO trains W and the encoder weights below");
    }
    FineTuner.Result r =
        FinetuneCommand.run(
            config,
            Models.BUILT_IN,
            data,
            prompts,
            new HeadSpec(head, prompts.sentences(), 20, LinearProbe.Options.defaults()),
            out,
            resume,
            Arguments.threads("--threads", threads),
            null,
            FrozenPrefixCache.DEFAULT_MAX_BYTES,
            FineTuner::run);
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
