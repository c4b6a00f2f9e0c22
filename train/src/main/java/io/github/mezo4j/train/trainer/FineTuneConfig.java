package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.LoraConfig;
import io.github.mezo4j.train.head.HeadSpec;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.metrics.DevMetric;
import java.util.List;
import java.util.Objects;

/**
 * The settings of an encoder classification run: those every run has, the head and the loss.
 *
 * @param run the settings every run has; its {@code params} ({@link TrainParams}) are any of the
 *     forms (the head's own weights are always trained), its metric accuracy or macro F1
 * @param head one of {@link HeadSpec#KINDS}
 * @param objective what MeZO minimises ({@code --objective})
 */
public record FineTuneConfig(RunSettings run, String head, ClassificationLoss objective)
    implements RunConfig {

  /** The dev metrics of classification runs. */
  public static final List<DevMetric> METRICS = List.of(DevMetric.ACCURACY, DevMetric.MACRO_F1);

  /** Checks the head, the metric and the trained weights against the other settings. */
  public FineTuneConfig {
    Objects.requireNonNull(run, "run");
    Objects.requireNonNull(objective, "objective");
    TrainParams params = run.params();
    DevMetric.check(run.metric(), METRICS, "classification runs");
    if (!HeadSpec.KINDS.contains(head)) {
      throw new IllegalArgumentException(
          "--head '%s': expected one of %s".formatted(head, HeadSpec.KINDS));
    }
    if (run.optim().conservative() && params.form() == TrainParams.Form.SPARSE) {
      throw new IllegalArgumentException(
          ("--train-params %s does not work with --conservative: the mask is read from the"
                  + " weights, which the conservative rule moves after the update")
              .formatted(params));
    }
  }

  /** The encoder weights MeZO trains in an encoder of {@code layers} layers. */
  public Selector selector(int layers) {
    return run.params().selector(layers);
  }

  /** The encoder layers below the trained ones (top:K), whose output never changes; else 0. */
  public int frozenLayers(int layers) {
    return run.params().frozenLayers(layers);
  }

  /**
   * {@code classifier} with the LoRA adapters the run trains ({@link TrainParams#withAdapters}), or
   * itself.
   */
  public EncoderClassifier withAdapters(EncoderClassifier classifier) {
    return withAdapters(run.params(), run.seed(), classifier);
  }

  /** {@link #withAdapters(EncoderClassifier)} for a run's recorded params and seed. */
  public static EncoderClassifier withAdapters(
      TrainParams params, long seed, EncoderClassifier classifier) {
    BertEncoder encoder = classifier.embedder().encoder();
    BertEncoder adapted = params.withAdapters(encoder, seed);
    return adapted == encoder ? classifier : classifier.withEncoder(adapted);
  }

  @Override
  public void putKindSettings(ObjectNode o) {
    o.put("head", head);
    LoraConfig lora = run.params().lora();
    if (lora != null) { // only then: runs without adapters keep their recorded keys
      ObjectNode l = o.putObject("lora");
      l.put("r", lora.rank());
      l.put("alpha", lora.alpha());
      lora.targets().forEach(t -> l.withArray("targets").add(t.option()));
      l.put("init", "A: uniform(+-1/sqrt(in)) from the run seed, B: zeros");
    }
    o.put("objective", objective.option());
  }
}
