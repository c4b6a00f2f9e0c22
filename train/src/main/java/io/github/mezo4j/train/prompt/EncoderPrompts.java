package io.github.mezo4j.train.prompt;

import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import java.util.List;
import java.util.Map;

/**
 * Label prompts of the built-in tasks for encoder label-prompt heads.
 *
 * <p>The words are LM-BFF's (Gao et al. 2021) verbalisers, which MeZO's RoBERTa experiments use:
 * SST-2 (and the demo task) terrible/great, SST-5 terrible/bad/okay/good/great, TREC
 * Description/Entity/Expression/Human/Location/Number, RTE/MNLI/SNLI Yes/Maybe/No. The sentences
 * put the word in the template's words ("It was great.") for sentiment; for TREC and the entailment
 * tasks, whose LM-BFF templates only make sense to a masked LM, mezo4j writes a plain sentence that
 * says what the label means, so that a sentence encoder can compare with it.
 */
public final class EncoderPrompts {
  private EncoderPrompts() {}

  private static final String YES = "Yes, the second sentence follows from the first.";
  private static final String NO = "No, the second sentence contradicts the first.";
  private static final String MAYBE = "Maybe the second sentence is true.";

  private static final List<String> SENTIMENT5 =
      List.of("terrible", "bad", "okay", "good", "great");

  private static final Map<String, LabelPrompts> PROMPTS =
      Map.of(
          "sst2", sentiment(List.of("terrible", "great")),
          "demo", sentiment(List.of("terrible", "great")),
          "sst5", sentiment(SENTIMENT5),
          "trec",
              new LabelPrompts(
                  List.of("Description", "Entity", "Expression", "Human", "Location", "Number"),
                  List.of(
                      "This question asks for a description.",
                      "This question asks for an entity.",
                      "This question asks for an expression or abbreviation.",
                      "This question asks for a person.",
                      "This question asks for a location.",
                      "This question asks for a number.")),
          // class order follows each task's LabelSet (see Tasks)
          "rte", new LabelPrompts(List.of("Yes", "No"), List.of(YES, NO)),
          "mnli", new LabelPrompts(List.of("No", "Yes", "Maybe"), List.of(NO, YES, MAYBE)),
          "snli", new LabelPrompts(List.of("No", "Yes", "Maybe"), List.of(NO, YES, MAYBE)),
          "cb", new LabelPrompts(List.of("Yes", "No", "Maybe"), List.of(YES, NO, MAYBE)),
          "boolq", new LabelPrompts(List.of("No", "Yes"), List.of("No.", "Yes.")),
          "wic",
              new LabelPrompts(
                  List.of("No", "Yes"),
                  List.of("The word means different things.", "The word means the same thing.")));

  /**
   * The label prompts of a built-in task.
   *
   * @throws IllegalArgumentException for a task without label prompts (COPA's candidates differ per
   *     example; custom tasks: use {@link LabelPrompts#plain})
   */
  public static LabelPrompts forTask(Task task) {
    LabelPrompts p = PROMPTS.get(task.name());
    if (p == null || p.size() != task.labels().size()) {
      throw new IllegalArgumentException(
          "no label prompts for task %s; tasks with label prompts: %s (else LabelPrompts.plain)"
              .formatted(task.name(), PROMPTS.keySet().stream().sorted().toList()));
    }
    return p;
  }

  /** The label prompts of the built-in task called {@code name}. */
  public static LabelPrompts forTask(String name) {
    return forTask(Tasks.get(name));
  }

  private static LabelPrompts sentiment(List<String> words) {
    return new LabelPrompts(words, words.stream().map(w -> "It was " + w + ".").toList());
  }
}
