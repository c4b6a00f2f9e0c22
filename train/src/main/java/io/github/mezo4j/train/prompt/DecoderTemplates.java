package io.github.mezo4j.train.prompt;

import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decoder prompts of the built-in tasks, following the templates and verbalisers of the MeZO
 * paper's OPT experiments (Malladi et al. 2023, Appendix E; most come from PromptSource):
 *
 * <ul>
 *   <li>SST-2 (and the demo task): {@code <sentence> It was} + {@code terrible | great} (SST-5
 *       likewise with terrible/bad/okay/good/great, LM-BFF's words).
 *   <li>RTE: {@code <premise>\nDoes this mean that "<hypothesis>" is true? Yes or No?\n} + {@code
 *       Yes | No}.
 *   <li>CB: {@code Suppose <premise> Can we infer that "<hypothesis>"? Yes, No, or Maybe?\n} +
 *       {@code Yes | No | Maybe}.
 *   <li>BoolQ: {@code <passage> <Question>?\n} + {@code No | Yes}.
 *   <li>WiC: {@code Does the word "<word>" have the same meaning in these two sentences? Yes,
 *       No?\n<sentence1>\n<sentence2>\n} + {@code No | Yes}.
 *   <li>COPA: {@code <premise without its final period> because | so} + each choice, its first word
 *       lower-cased unless it is "I".
 * </ul>
 *
 * Candidates are in the task's label order, so the gold index is the example's label.
 */
public final class DecoderTemplates {
  private DecoderTemplates() {}

  private static final Map<String, DecoderTemplate> TEMPLATES =
      Map.of(
          "sst2", sentiment(List.of("terrible", "great")),
          "demo", sentiment(List.of("terrible", "great")),
          "sst5", sentiment(List.of("terrible", "bad", "okay", "good", "great")),
          "rte", DecoderTemplates::rte,
          "cb", DecoderTemplates::cb,
          "boolq", DecoderTemplates::boolq,
          "wic", DecoderTemplates::wic,
          "copa", DecoderTemplates::copa);

  /**
   * The template of a built-in task.
   *
   * @throws IllegalArgumentException naming the tasks that have one
   */
  public static DecoderTemplate forTask(Task task) {
    DecoderTemplate t = TEMPLATES.get(task.name());
    if (t == null) {
      throw new IllegalArgumentException(
          "no decoder template for task %s; tasks with one: %s"
              .formatted(task.name(), TEMPLATES.keySet().stream().sorted().toList()));
    }
    return t;
  }

  /** The template of the built-in task called {@code name}. */
  public static DecoderTemplate forTask(String name) {
    return forTask(Tasks.get(name));
  }

  private static DecoderTemplate sentiment(List<String> words) {
    List<String> candidates = words.stream().map(w -> " " + w).toList();
    return e -> new DecoderPrompt(e.text().strip() + " It was", candidates, e.label());
  }

  private static DecoderPrompt rte(Example e) {
    String context =
        premise(e) + "\nDoes this mean that \"" + hypothesis(e) + "\" is true? Yes or No?\n";
    return new DecoderPrompt(context, List.of("Yes", "No"), e.label());
  }

  private static DecoderPrompt cb(Example e) {
    String context =
        "Suppose "
            + premise(e)
            + " Can we infer that \""
            + hypothesis(e)
            + "\"? Yes, No, or Maybe?\n";
    return new DecoderPrompt(context, List.of("Yes", "No", "Maybe"), e.label());
  }

  private static DecoderPrompt boolq(Example e) {
    String question = e.field("question").strip();
    if (!question.endsWith("?")) {
      question = question + "?";
    }
    question = question.substring(0, 1).toUpperCase(Locale.ROOT) + question.substring(1);
    return new DecoderPrompt(
        e.field("passage") + " " + question + "\n", List.of("No", "Yes"), e.label());
  }

  private static DecoderPrompt wic(Example e) {
    String context =
        "Does the word \""
            + e.field("word")
            + "\" have the same meaning in these two sentences? Yes, No?\n"
            + e.field("sentence1")
            + "\n"
            + e.field("sentence2")
            + "\n";
    return new DecoderPrompt(context, List.of("No", "Yes"), e.label());
  }

  private static DecoderPrompt copa(Example e) {
    String premise = e.field("premise").stripTrailing();
    if (premise.endsWith(".")) {
      premise = premise.substring(0, premise.length() - 1);
    }
    String conjunction =
        switch (e.field("question")) {
          case "cause" -> " because";
          case "effect" -> " so";
          default ->
              throw new IllegalArgumentException(
                  "COPA question must be 'cause' or 'effect', got '%s'"
                      .formatted(e.field("question")));
        };
    return new DecoderPrompt(
        premise + conjunction,
        List.of(" " + lowerFirstWord(e.field("choice1")), " " + lowerFirstWord(e.field("choice2"))),
        e.label());
  }

  // "She lost her appetite." continues "... so she lost her appetite."; "I" stays upper case.
  private static String lowerFirstWord(String choice) {
    String c = choice.strip();
    int space = c.indexOf(' ');
    String first = space < 0 ? c : c.substring(0, space);
    if (first.equals("I")) {
      return c;
    }
    return first.toLowerCase(Locale.ROOT) + (space < 0 ? "" : c.substring(space));
  }

  // RTE from GLUE TSV and SuperGLUE JSONL both put premise/hypothesis in text/textPair.
  private static String premise(Example e) {
    return e.text();
  }

  private static String hypothesis(Example e) {
    if (!e.hasPair()) {
      throw new IllegalArgumentException("an entailment example needs a hypothesis (textPair)");
    }
    return e.textPair();
  }
}
