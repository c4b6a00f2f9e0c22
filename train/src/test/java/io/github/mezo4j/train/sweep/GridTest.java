package io.github.mezo4j.train.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GridTest {
  @Test
  void theProductInOrderWithReadableNames() {
    Grid g = Grid.parse(List.of("lr=1e-4,3e-4", "--train-params=all,bias-norm"));
    assertEquals(4, g.size());
    assertEquals(
        List.of(
            "lr=1e-4_train-params=all",
            "lr=1e-4_train-params=bias-norm",
            "lr=3e-4_train-params=all",
            "lr=3e-4_train-params=bias-norm"),
        g.configurations().stream().map(Grid.Configuration::name).toList());
    assertEquals("3e-4", g.configurations().get(3).values().get("lr"));
  }

  @Test
  void namesAreFilesystemSafeAndDistinct() {
    Grid g = Grid.parse(List.of("train-params=encoder.layer.*,encoder.layer.?,a/b,..,x y"));
    Set<String> names = new HashSet<>();
    for (Grid.Configuration c : g.configurations()) {
      assertTrue(c.name().matches("[A-Za-z0-9.+=_~-]+"), c.name());
      assertTrue(!c.name().contains("/") && !c.name().startsWith("."), c.name());
      names.add(c.name());
    }
    assertEquals(5, names.size(), names.toString());
    String longValue = "x".repeat(300);
    String name = Grid.parse(List.of("params=" + longValue)).configurations().get(0).name();
    assertEquals(Grid.MAX_NAME_LENGTH, name.length());
  }

  @Test
  void randomDrawsAreDistinctDeterministicAndExtendable() {
    Grid g = Grid.parse(List.of("lr=1,2,3,4,5", "eps=a,b,c", "batch=8,16"));
    List<Grid.Configuration> a = g.random(7, 42);
    assertEquals(a, g.random(7, 42));
    assertEquals(7, new HashSet<>(a).size());
    assertEquals(a.subList(0, 4), g.random(4, 42), "a larger N extends the draw");
    assertNotEquals(a, g.random(7, 43));
    assertEquals(new HashSet<>(g.configurations()), new HashSet<>(g.random(30, 1)));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> g.random(31, 1));
    assertTrue(e.getMessage().contains("30"), e.getMessage());
  }

  @Test
  void badGridsAreRejectedWithTheirText() {
    assertMessage("empty value", "lr=1,,2");
    assertMessage("empty value", "lr=");
    assertMessage("empty value", "lr=1,");
    assertMessage("NAME=V1", "lr");
    assertMessage("name is missing", "=1,2");
    assertMessage("twice", "lr=1,1");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Grid.parse(List.of("lr=1", "lr=2")));
    assertTrue(e.getMessage().contains("'lr' is given twice"), e.getMessage());
  }

  private static void assertMessage(String part, String spec) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Grid.parse(List.of(spec)));
    assertTrue(e.getMessage().contains(part), spec + ": " + e.getMessage());
  }
}
