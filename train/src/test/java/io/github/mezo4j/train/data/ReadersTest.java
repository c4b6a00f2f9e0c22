package io.github.mezo4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.train.metrics.Metric;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TSV, CSV and JSONL readers on small files written here, good and malformed. */
class ReadersTest {

  @TempDir Path dir;

  private static final LabelSet SENTIMENT = LabelSet.of("negative", "positive");

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  private static Task sentiment(ColumnMapping mapping, boolean header) {
    return Tasks.custom("mine", SENTIMENT, Metric.ACCURACY, mapping, header);
  }

  @Test
  void tsvWithBomCrlfAndTrailingSpaces() throws IOException {
    Path f = write("a.tsv", "\uFEFFsentence\tlabel\r\ngood film \t1\r\n\r\n\"bad\" film\t0\r\n");
    List<Example> ex = sentiment(ColumnMapping.parse("sentence", "label", null), true).read(f);
    assertEquals(List.of(Example.of("good film", 1), Example.of("\"bad\" film", 0)), ex);
  }

  @Test
  void csvQuotingFollowsRfc4180() throws IOException {
    Path f =
        write(
            "a.csv",
            "1,\"a, b\"\r\n0,\"she said \"\"no\"\"\"\n1,\"two\nlines\"\n0,plain \"quote\" kept\n"
                + "1,last row without newline");
    List<Example> ex = sentiment(ColumnMapping.parse("1", "0", null), false).read(f);
    assertEquals(
        List.of(
            Example.of("a, b", 1),
            Example.of("she said \"no\"", 0),
            Example.of("two\nlines", 1),
            Example.of("plain \"quote\" kept", 0),
            Example.of("last row without newline", 1)),
        ex);
  }

  @Test
  void csvErrorsNameTheLineAfterMultiLineRecords() throws IOException {
    Path f = write("b.csv", "1,\"two\nlines\"\n0,ok\n2,unknown label\n");
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () -> sentiment(ColumnMapping.parse("1", "0", null), false).read(f));
    assertEquals(4, e.line());
    assertTrue(e.getMessage().contains("b.csv line 4"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown label '2'"), e.getMessage());
    assertTrue(e.getMessage().contains("[negative, positive]"), e.getMessage());
  }

  @Test
  void csvUnterminatedQuoteAndTextAfterClosingQuote() throws IOException {
    Task task = sentiment(ColumnMapping.parse("1", "0", null), false);
    Path open = write("open.csv", "1,fine\n0,\"never closed\n1,more\n");
    DataFormatException e = assertThrows(DataFormatException.class, () -> task.read(open));
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("closing '\"'"), e.getMessage());
    Path after = write("after.csv", "1,\"quoted\"tail\n");
    e = assertThrows(DataFormatException.class, () -> task.read(after));
    assertEquals(1, e.line());
    assertTrue(e.getMessage().contains("after a closing"), e.getMessage());
  }

  @Test
  void rowWithTheWrongNumberOfFieldsIsReportedNotSkipped() throws IOException {
    Path f = write("c.tsv", "sentence\tlabel\nfine\t1\nno label here\nalso\t0\n");
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> Tasks.get("sst2").read(f));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("expected 2 tab-separated fields"), e.getMessage());
    Path extra = write("d.tsv", "sentence\tlabel\nsplit\tby tab\t1\n");
    e = assertThrows(DataFormatException.class, () -> Tasks.get("sst2").read(extra));
    assertTrue(e.getMessage().contains("got 3"), e.getMessage());
  }

  @Test
  void unknownLabelNamesFileLineAndAllowedLabels() throws IOException {
    Path f =
        write("e.tsv", "index\tsentence1\tsentence2\tlabel\n0\tp\th\tentailment\n1\tp\th\tmaybe\n");
    DataFormatException e = assertThrows(DataFormatException.class, () -> Tasks.get("rte").read(f));
    assertEquals(f, e.file());
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("'maybe'"), e.getMessage());
    assertTrue(e.getMessage().contains("[entailment, not_entailment]"), e.getMessage());
  }

  @Test
  void labelsResolveByNameIgnoringCaseOrByIndex() throws IOException {
    Path f = write("f.tsv", "text\ty\none\tPositive\ntwo\tnegative\nthree\t1\n");
    List<Example> ex = sentiment(ColumnMapping.parse("text", "y", null), true).read(f);
    assertEquals(List.of(1, 0, 1), ex.stream().map(Example::label).toList());
    assertEquals(-1, SENTIMENT.indexOf("2"));
    assertEquals(-1, SENTIMENT.indexOf("-1"));
  }

  @Test
  void customMappingWithPairColumnByName() throws IOException {
    Path f = write("g.csv", "id,label,first,second\n7,negative,\"a, b\",c\n");
    Task task =
        Tasks.custom(
            "pairs",
            SENTIMENT,
            Metric.ACCURACY,
            ColumnMapping.parse("first", "label", "second"),
            true);
    assertTrue(task.pairTask());
    assertEquals(List.of(Example.pair("a, b", "c", 0)), task.read(f));
  }

  @Test
  void missingColumnNameListsTheHeader() throws IOException {
    Path f = write("h.tsv", "sentence\tlabel\nx\t1\n");
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () -> sentiment(ColumnMapping.parse("text", "label", null), true).read(f));
    assertTrue(e.getMessage().contains("'text'") && e.getMessage().contains("[sentence, label]"));
  }

  @Test
  void namedColumnsNeedAHeader() {
    assertThrows(
        IllegalArgumentException.class,
        () -> sentiment(ColumnMapping.parse("text", "label", null), false));
  }

  @Test
  void emptyTextIsAnError() throws IOException {
    Path f = write("i.tsv", "sentence\tlabel\n  \t1\n");
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> Tasks.get("sst2").read(f));
    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("non-empty"));
  }

  @Test
  void jsonlReadsStringsNumbersAndBooleansAndReportsBadLines() throws IOException {
    Path f =
        write(
            "a.jsonl",
            "{\"word\":\"bank\",\"sentence1\":\"s1\",\"sentence2\":\"s2\",\"label\":true}\n\n"
                + "{\"word\":\"run\",\"sentence1\":\"t1\",\"sentence2\":\"t2\",\"label\":false}");
    List<Example> ex = Tasks.get("wic").read(f);
    assertEquals(2, ex.size());
    assertEquals(1, ex.get(0).label());
    assertEquals("bank", ex.get(0).field("word"));
    assertEquals("t2", ex.get(1).textPair());
    assertEquals(0, ex.get(1).label());

    Path bad =
        write(
            "bad.jsonl", "{\"premise\":\"p\",\"hypothesis\":\"h\",\"label\":\"neutral\"}\n{oops\n");
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> Tasks.get("cb").read(bad));
    assertEquals(2, e.line());
    Path missing = write("missing.jsonl", "{\"premise\":\"p\",\"label\":\"neutral\"}\n");
    e = assertThrows(DataFormatException.class, () -> Tasks.get("cb").read(missing));
    assertTrue(e.getMessage().contains("'hypothesis'") && e.getMessage().contains("line 1"));
  }

  @Test
  void blankRowsAreSkippedCountedAndReportedWithTheirLines() throws IOException {
    java.io.ByteArrayOutputStream notes = new java.io.ByteArrayOutputStream();
    TextFiles.notes = new java.io.PrintStream(notes, true, StandardCharsets.UTF_8);
    try {
      // line 3 holds only a tab, line 5 only spaces: blank after trimming
      Path tsv = write("d.tsv", "sentence\tlabel\ngood\t1\n\t\nbad\t0\n   \nfine\t1\n");
      List<Example> ex = sentiment(ColumnMapping.parse("sentence", "label", null), true).read(tsv);
      assertEquals(3, ex.size());
      assertEquals("mezo4j: skipped 2 blank rows: " + tsv + ":3, 5\n", take(notes));

      Path csv = write("d.csv", "good,1\n,\nbad,0\n");
      ColumnMapping byIndex = ColumnMapping.parse("0", "1", null);
      assertEquals(
          2, Tasks.custom("m", SENTIMENT, Metric.ACCURACY, byIndex, false).read(csv).size());
      assertEquals("mezo4j: skipped 1 blank row: " + csv + ":2\n", take(notes));

      Path jsonl = write("d.jsonl", "{\"t\":\"a\",\"l\":1}\n \t \n{\"t\":\"b\",\"l\":0}\n");
      ColumnMapping named = ColumnMapping.parse("t", "l", null);
      assertEquals(2, sentiment(named, true).read(jsonl).size());
      assertEquals("mezo4j: skipped 1 blank row: " + jsonl + ":2\n", take(notes));

      // no blank row, no report
      sentiment(ColumnMapping.parse("sentence", "label", null), true)
          .read(write("e.tsv", "sentence\tlabel\ngood\t1\n"));
      assertEquals("", take(notes));
    } finally {
      TextFiles.notes = null;
    }
  }

  private static String take(java.io.ByteArrayOutputStream notes) {
    String s = notes.toString(StandardCharsets.UTF_8);
    notes.reset();
    return s;
  }

  @Test
  void nonUtf8AndMissingFilesAreErrors() throws IOException {
    Path f = dir.resolve("latin1.tsv");
    Files.write(f, new byte[] {'s', '\t', 'l', '\n', (byte) 0xE9, '\t', '1', '\n'});
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> Tasks.get("sst2").read(f));
    assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    // the line and byte offset of the first bad byte, and no Java class name
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("byte 0xe9 at byte offset 4"), e.getMessage());
    assertTrue(!e.getMessage().contains("java.") && !e.getMessage().contains("Exception"));
    // a truncated multi-byte sequence at the very end of line 3
    Path cut = dir.resolve("cut.tsv");
    Files.write(cut, new byte[] {'s', '\t', 'l', '\n', 'a', '\t', '1', '\n', 'b', (byte) 0xC3});
    DataFormatException c =
        assertThrows(DataFormatException.class, () -> Tasks.get("sst2").read(cut));
    assertEquals(3, c.line());
    assertTrue(c.getMessage().contains("byte 0xc3 at byte offset 9"), c.getMessage());
    assertThrows(NoSuchFileException.class, () -> Tasks.get("sst2").read(dir.resolve("no.tsv")));
    IllegalArgumentException wrong =
        assertThrows(
            IllegalArgumentException.class, () -> Tasks.get("sst2").read(dir.resolve("x.txt")));
    assertTrue(wrong.getMessage().contains(".tsv"));
    DataFormatException format =
        assertThrows(
            DataFormatException.class, () -> Tasks.get("sst2").read(write("x.csv", "a,1\n")));
    assertTrue(format.getMessage().contains("TSV"), format.getMessage());
  }

  @Test
  void customTaskLoadsTrainAndDevFromAFolder() throws IOException {
    write("train.csv", "0,bad\n1,good\n");
    write("dev.csv", "1,great\n");
    Task task = sentiment(ColumnMapping.parse("1", "0", null), false);
    Dataset d = task.load(dir);
    assertEquals(2, d.train().size());
    assertEquals(List.of(Example.of("great", 1)), d.dev());
  }

  @Test
  void exampleFieldErrorsListTheFields() {
    Example e = new Example("t", null, 0, Map.of("premise", "p"));
    assertNull(e.textPair());
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> e.field("word"));
    assertTrue(x.getMessage().contains("[premise]"), x.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Example.of("t", -1));
    assertThrows(IllegalArgumentException.class, () -> LabelSet.of("a", "a"));
  }
}
