package io.github.mezo4j.train.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Encoder label prompts and decoder templates, checked against the MeZO/LM-BFF templates. */
class PromptsTest {

  @Test
  void encoderPromptsHaveOneEntryPerLabelOfEveryTaskButCopa() {
    for (String name : Tasks.names()) {
      Task task = Tasks.get(name);
      if (name.equals("copa")) {
        assertThrows(IllegalArgumentException.class, () -> EncoderPrompts.forTask(task));
        continue;
      }
      assertEquals(task.labels().size(), EncoderPrompts.forTask(task).size(), name);
    }
    LabelPrompts sst2 = EncoderPrompts.forTask("sst2");
    assertEquals(List.of("It was terrible.", "It was great."), sst2.sentences());
    assertEquals(
        List.of("terrible", "bad", "okay", "good", "great"),
        EncoderPrompts.forTask("sst5").words());
    assertEquals(
        List.of("Description", "Entity", "Expression", "Human", "Location", "Number"),
        EncoderPrompts.forTask("trec").words());
    // MNLI's labels are contradiction, entailment, neutral: the words must follow that order
    assertEquals(List.of("No", "Yes", "Maybe"), EncoderPrompts.forTask("mnli").words());
    assertEquals(List.of("Yes", "No"), EncoderPrompts.forTask("rte").words());
  }

  @Test
  void sst2DecoderPrompt() {
    DecoderPrompt p = DecoderTemplates.forTask("sst2").render(Example.of("a gorgeous film . ", 1));
    assertEquals("a gorgeous film . It was", p.context());
    assertEquals(List.of(" terrible", " great"), p.candidates());
    assertEquals(1, p.gold());
    assertEquals("a gorgeous film . It was great", p.full(1));
  }

  @Test
  void entailmentPromptsFollowTheMezoTemplates() {
    Example rte = Example.pair("P.", "H", 1);
    DecoderPrompt p = DecoderTemplates.forTask("rte").render(rte);
    assertEquals("P.\nDoes this mean that \"H\" is true? Yes or No?\n", p.context());
    assertEquals(List.of("Yes", "No"), p.candidates());
    assertEquals(1, p.gold());
    DecoderPrompt cb = DecoderTemplates.forTask("cb").render(Example.pair("P.", "H", 2));
    assertEquals("Suppose P. Can we infer that \"H\"? Yes, No, or Maybe?\n", cb.context());
    assertEquals("Maybe", cb.candidates().get(cb.gold()), "label 2 is neutral");
  }

  @Test
  void boolqAndWicPrompts() {
    Example q =
        new Example(
            "Passage.", "is it so", 1, Map.of("passage", "Passage.", "question", "is it so"));
    DecoderPrompt p = DecoderTemplates.forTask("boolq").render(q);
    assertEquals("Passage. Is it so?\n", p.context());
    assertEquals("Yes", p.candidates().get(p.gold()));
    Example w =
        new Example("s1", "s2", 0, Map.of("word", "bank", "sentence1", "s1", "sentence2", "s2"));
    DecoderPrompt wic = DecoderTemplates.forTask("wic").render(w);
    assertEquals(
        "Does the word \"bank\" have the same meaning in these two sentences? Yes, No?\ns1\ns2\n",
        wic.context());
    assertEquals("No", wic.candidates().get(wic.gold()));
  }

  @Test
  void copaPromptsOnTheRealValidationSet() throws IOException {
    Path root;
    try {
      root = SharedData.root("superglue");
    } catch (NoSuchFileException e) {
      root = null;
    }
    assumeTrue(root != null, "SKIPPED: shared data folder superglue/ missing");
    List<Example> val = Tasks.get("copa").read(root.resolve("superglue/COPA/val.jsonl"));
    DecoderTemplate t = DecoderTemplates.forTask("copa");
    DecoderPrompt first = t.render(val.getFirst());
    // {"premise": "The man turned on the faucet.", "choice1": "The toilet filled with water.",
    //  "choice2": "Water flowed from the spout.", "question": "effect", "label": 1}
    assertEquals("The man turned on the faucet so", first.context());
    assertEquals(
        List.of(" the toilet filled with water.", " water flowed from the spout."),
        first.candidates());
    assertEquals(1, first.gold());
    for (Example e : val) {
      DecoderPrompt p = t.render(e);
      assertTrue(p.context().endsWith(" so") || p.context().endsWith(" because"), p.context());
      assertFalse(p.context().endsWith("."));
    }
    Example i =
        new Example(
            "x",
            null,
            0,
            Map.of(
                "premise",
                "It rained.",
                "choice1",
                "I stayed in.",
                "choice2",
                "We left.",
                "question",
                "effect"));
    assertEquals(List.of(" I stayed in.", " we left."), t.render(i).candidates());
  }

  @Test
  void tasksWithoutADecoderTemplateSaySoAndListTheOthers() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DecoderTemplates.forTask("trec"));
    assertTrue(e.getMessage().contains("copa"), e.getMessage());
  }

  @Test
  void promptsRejectBadGoldIndices() {
    assertThrows(IllegalArgumentException.class, () -> new DecoderPrompt("c", List.of("a"), 0));
    assertThrows(
        IllegalArgumentException.class, () -> new DecoderPrompt("c", List.of("a", "b"), 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> DecoderTemplates.forTask("sst2").render(Example.of("x", 5)));
  }
}
