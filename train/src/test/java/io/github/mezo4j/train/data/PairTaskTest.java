package io.github.mezo4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sentence-pair files: the three kinds in TSV, CSV and JSONL, the built-in STS-B, bad input. */
class PairTaskTest {

  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  private static PairTask scored(double max) {
    return PairTask.custom(
        "mine",
        PairKind.SCORED,
        Column.named("a"),
        Column.named("b"),
        Column.named("s"),
        0,
        max,
        true);
  }

  @Test
  void scoredTsvByNameNormalizesOntoTheUnitInterval() throws IOException {
    Path f = write("p.tsv", "id\ta\tb\ts\n1\tA cat. \tA dog.\t4.5\n2\tx\ty\t0\n");
    PairTask t = scored(5);
    assertEquals(
        List.of(new TextPair("A cat.", "A dog.", 4.5), new TextPair("x", "y", 0)), t.read(f));
    assertEquals(0.9, t.normalized(4.5), 1e-15);
  }

  @Test
  void labeledCsvByIndexWithoutHeader() throws IOException {
    Path f = write("p.csv", "\"q, one\",p1,1\nq2,p2,false\n");
    PairTask t =
        PairTask.custom(
            "dup", PairKind.LABELED, Column.at(0), Column.at(1), Column.at(2), 0, 0, false);
    assertEquals(List.of(new TextPair("q, one", "p1", 1), new TextPair("q2", "p2", 0)), t.read(f));
    Path bad = write("bad.csv", "q,p,1\nq2,p2,2\n");
    DataFormatException e = assertThrows(DataFormatException.class, () -> t.read(bad));
    assertTrue(
        e.getMessage().contains("bad.csv line 2") && e.getMessage().contains("'2'"),
        e.getMessage());
  }

  @Test
  void positiveJsonlAndDuplicateQueries() throws IOException {
    PairTask t =
        PairTask.custom(
            "qa", PairKind.POSITIVE, Column.named("q"), Column.named("p"), null, 0, 0, true);
    Path f = write("p.jsonl", "{\"q\":\"who?\",\"p\":\"me\"}\n\n{\"q\":\"why?\",\"p\":\"so\"}\n");
    assertEquals(
        List.of(TextPair.positive("who?", "me"), TextPair.positive("why?", "so")), t.read(f));
    Path dup = write("d.jsonl", "{\"q\":\"who?\",\"p\":\"me\"}\n{\"q\":\"who?\",\"p\":\"you\"}\n");
    DataFormatException e = assertThrows(DataFormatException.class, () -> t.read(dup));
    assertTrue(
        e.getMessage().contains("d.jsonl line 2") && e.getMessage().contains("line 1"),
        e.getMessage());
    Path missing = write("m.jsonl", "{\"q\":\"who?\"}\n");
    e = assertThrows(DataFormatException.class, () -> t.read(missing));
    assertTrue(e.getMessage().contains("m.jsonl line 1") && e.getMessage().contains("'p'"));
  }

  @Test
  void emptySideAndOutOfRangeScoreNameFileAndLine() throws IOException {
    PairTask t = scored(5);
    Path empty = write("e.tsv", "id\ta\tb\ts\n1\tx\ty\t1\n2\tx\t \t1\n");
    DataFormatException e = assertThrows(DataFormatException.class, () -> t.read(empty));
    assertTrue(
        e.getMessage().contains("e.tsv line 3") && e.getMessage().contains("column 'b'"),
        e.getMessage());
    Path range = write("r.tsv", "id\ta\tb\ts\n1\tx\ty\t5.01\n");
    e = assertThrows(DataFormatException.class, () -> t.read(range));
    assertTrue(
        e.getMessage().contains("r.tsv line 2") && e.getMessage().contains("from 0.0 to 5.0"),
        e.getMessage());
    Path nan = write("n.tsv", "id\ta\tb\ts\n1\tx\ty\tNaN\n");
    assertThrows(DataFormatException.class, () -> t.read(nan));
    Path width = write("w.tsv", "id\ta\tb\ts\n1\tx\ty\n");
    e = assertThrows(DataFormatException.class, () -> t.read(width));
    assertTrue(e.getMessage().contains("w.tsv line 2"), e.getMessage());
  }

  @Test
  void builtInStsbHasGlueSplits() throws IOException {
    Path root = SharedTestData.rootHolding("glue-stsb");
    PairTask t = Tasks.pair("STS-B").orElseThrow();
    PairTask.Splits s = t.load(root);
    assertEquals(5749, s.train().size());
    assertEquals(1500, s.dev().size());
    assertEquals(
        new TextPair(
            "A man with a hard hat is dancing.", "A man wearing a hard hat is dancing.", 5),
        s.dev().getFirst());
    assertThrows(IllegalArgumentException.class, () -> Tasks.get("stsb"));
  }
}
