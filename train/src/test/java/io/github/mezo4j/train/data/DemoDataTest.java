package io.github.mezo4j.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bundled demo data set. */
class DemoDataTest {

  @Test
  void splitsAreBalancedDistinctAndDisjoint() throws IOException {
    Dataset d = DemoData.load();
    assertEquals(200, d.train().size());
    assertEquals(100, d.dev().size());
    assertArrayEquals(new int[] {100, 100}, Dataset.labelCounts(d.train(), 2));
    assertArrayEquals(new int[] {50, 50}, Dataset.labelCounts(d.dev(), 2));
    Set<String> seen = new HashSet<>();
    for (Example e : d.train()) {
      assertTrue(seen.add(e.text().toLowerCase(Locale.ROOT)), "duplicate: " + e.text());
    }
    for (Example e : d.dev()) {
      assertTrue(seen.add(e.text().toLowerCase(Locale.ROOT)), "dev repeats train: " + e.text());
    }
  }

  @Test
  void theDemoIsARegisteredTask() throws IOException {
    Task task = Tasks.get("Demo");
    assertSame(DemoData.task(), task);
    assertEquals(DemoData.load(), task.load(Path.of("ignored")));
    assertThrows(IllegalArgumentException.class, () -> task.loadKShot(Path.of("."), 13));
  }

  // A sentiment word list gets only part of the way: the data needs more than keywords.
  @Test
  void aKeywordLexiconDoesNotSolveTheDevSplit() throws IOException {
    List<String> good =
        List.of("good", "great", "excellent", "love", "delicious", "perfect", "best", "wonderful");
    List<String> bad =
        List.of("bad", "worst", "terrible", "awful", "boring", "bland", "broke", "rude", "waste");
    int correct = 0;
    List<Example> dev = DemoData.load().dev();
    for (Example e : dev) {
      String t = e.text().toLowerCase(Locale.ROOT);
      long score =
          good.stream().filter(t::contains).count() - bad.stream().filter(t::contains).count();
      int predicted = score > 0 ? 1 : 0;
      correct += predicted == e.label() ? 1 : 0;
    }
    double accuracy = correct / (double) dev.size();
    assertTrue(accuracy < 0.8, "keyword accuracy " + accuracy);
  }
}
