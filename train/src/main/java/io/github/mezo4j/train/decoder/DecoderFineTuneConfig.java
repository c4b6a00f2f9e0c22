package io.github.mezo4j.train.decoder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.trainer.FineTuneConfig;
import io.github.mezo4j.train.trainer.RunConfig;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.TrainParams;
import java.util.List;
import java.util.Objects;

/**
 * The settings of a decoder fine-tuning run: those every run has, the tokenizer, the objective and
 * how candidate tokens score.
 *
 * @param run the settings every run has; its {@code params} are all, bias-norm or a glob over
 *     weight names ({@link TrainParams#selector()}), its metric accuracy or macro F1 for
 *     classification objectives and perplexity (lower is better) for {@code lm}; full weights in a
 *     checkpoint are a Hugging Face folder
 * @param tokenizer the tokenizer file or folder the run was given ({@code --tokenizer}, absolute),
 *     or null for the model's own; eval and replay use it too
 * @param objective what MeZO minimises
 * @param score how candidate tokens combine into class scores (classification objectives)
 */
public record DecoderFineTuneConfig(
    RunSettings run, String tokenizer, DecoderObjective objective, CandidateScore score)
    implements RunConfig {

  /** Checks that the metric fits the objective and the trained weights parse. */
  public DecoderFineTuneConfig {
    Objects.requireNonNull(run, "run");
    Objects.requireNonNull(objective, "objective");
    Objects.requireNonNull(score, "score");
    run.params().selector(); // refuses the encoder-only forms early
    DevMetric.check(
        run.metric(),
        objective.languageModel() ? List.of(DevMetric.PERPLEXITY) : FineTuneConfig.METRICS,
        "objective " + objective.option() + " runs");
  }

  /** The weights of {@code all} (a model's parameters) that MeZO trains. */
  public ParameterSet trainable(ParameterSet all) {
    return all.select(run.params().selector());
  }

  @Override
  public void putKindSettings(ObjectNode o) {
    o.put("kind", "decoder");
    if (tokenizer != null) {
      o.put("tokenizer", tokenizer);
    }
    o.put("objective", objective.option());
    o.put("score", score.option());
  }
}
