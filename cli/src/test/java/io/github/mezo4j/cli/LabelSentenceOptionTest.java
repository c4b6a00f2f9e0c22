package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import io.github.mezo4j.train.prompt.LabelPrompts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --label-sentence} replaces a task's label sentences, one per class, in class order. */
class LabelSentenceOptionTest {
  private final Task sst2 = Tasks.get("sst2");

  @Test
  void withoutTheOptionTheTaskKeepsItsOwnSentences() {
    assertEquals(
        List.of("It was terrible.", "It was great."), new TaskOptions().prompts(sst2).sentences());
  }

  @Test
  void theGivenSentencesReplaceThemInClassOrder() {
    TaskOptions o = new TaskOptions();
    o.labelSentences = List.of("Overall, it was awful.", "Overall, it was wonderful.");
    LabelPrompts p = o.prompts(sst2);
    assertEquals(o.labelSentences, p.sentences());
    assertEquals(List.of("terrible", "great"), p.words());
  }

  @Test
  void aWrongCountOrABlankSentenceIsRefusedNamingTheClasses() {
    TaskOptions o = new TaskOptions();
    o.labelSentences = List.of("Only one.");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> o.prompts(sst2));
    assertTrue(e.getMessage().contains("2 classes [terrible, great]"), e.getMessage());
    o.labelSentences = List.of("Fine.", " ");
    assertThrows(IllegalArgumentException.class, () -> o.prompts(sst2));
  }
}
