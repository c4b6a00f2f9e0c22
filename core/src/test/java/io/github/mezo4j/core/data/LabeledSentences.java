package io.github.mezo4j.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary sentiment TSV files as GLUE SST-2 and the LM-BFF k-shot splits write them: a header line
 * {@code sentence<TAB>label}, then one {@code sentence<TAB>0|1} per line (0 = negative, 1 =
 * positive). GLUE leaves a space before the tab, so sentences are trimmed. A test fixture (core's
 * test-jar) for the modules below {@code train}, whose tests read real sentences; the library reads
 * these files with {@code io.github.mezo4j.train.data}.
 */
public final class LabeledSentences {
  private LabeledSentences() {}

  /** One labelled sentence. */
  public record Example(String sentence, int label) {}

  /**
   * Reads one split.
   *
   * @throws NoSuchFileException if the file is missing
   * @throws IOException naming the file and line of a malformed row
   */
  public static List<Example> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "sentiment split not found");
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.getFirst().strip().equals("sentence\tlabel")) {
      throw new IOException(file + ": expected the header 'sentence<TAB>label' on line 1");
    }
    List<Example> out = new ArrayList<>(lines.size() - 1);
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      int tab = line.lastIndexOf('\t');
      String label = tab < 0 ? "" : line.substring(tab + 1).strip();
      String sentence = tab < 0 ? "" : line.substring(0, tab).strip();
      if (sentence.isEmpty() || !(label.equals("0") || label.equals("1"))) {
        throw new IOException(
            "%s line %d: expected 'sentence<TAB>0|1', got '%s'".formatted(file, i + 1, line));
      }
      out.add(new Example(sentence, label.charAt(0) - '0'));
    }
    if (out.isEmpty()) {
      throw new IOException(file + ": no examples after the header");
    }
    return out;
  }
}
