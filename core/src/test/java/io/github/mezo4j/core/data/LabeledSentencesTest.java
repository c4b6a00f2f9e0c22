package io.github.mezo4j.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabeledSentencesTest {
  @TempDir Path dir;

  @Test
  void readsTrimmedSentencesAndLabels() throws IOException {
    Path file = dir.resolve("dev.tsv");
    Files.writeString(file, "sentence\tlabel\ngood movie \t1\n\nbad\t0\n");
    assertEquals(
        List.of(
            new LabeledSentences.Example("good movie", 1), new LabeledSentences.Example("bad", 0)),
        LabeledSentences.read(file));
  }

  @Test
  void missingOrMalformedDataIsAClearError() throws IOException {
    var missing =
        assertThrows(
            NoSuchFileException.class, () -> LabeledSentences.read(dir.resolve("train.tsv")));
    assertTrue(missing.getFile().endsWith("train.tsv"));

    Path bad = dir.resolve("bad.tsv");
    Files.writeString(bad, "sentence\tlabel\ngood movie \t1\nno label here\n");
    var e = assertThrows(IOException.class, () -> LabeledSentences.read(bad));
    assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());

    Path noHeader = dir.resolve("noheader.tsv");
    Files.writeString(noHeader, "good movie\t1\n");
    assertTrue(
        assertThrows(IOException.class, () -> LabeledSentences.read(noHeader))
            .getMessage()
            .contains("header"));
  }
}
