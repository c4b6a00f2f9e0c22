package io.github.mezo4j.core.example;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** GLUE SST-2 TSV files ({@code sentence<TAB>label}, header line, label 0 or 1). */
final class Sst2 {
  private Sst2() {}

  record Example(String sentence, int label) {}

  /**
   * Reads one split.
   *
   * @throws NoSuchFileException if the file is missing
   * @throws IOException naming the file and line for a malformed row
   */
  static List<Example> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "SST-2 split not found");
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).strip().equals("sentence\tlabel")) {
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
      if (tab <= 0 || !(label.equals("0") || label.equals("1"))) {
        throw new IOException(
            "%s line %d: expected 'sentence<TAB>0|1', got '%s'".formatted(file, i + 1, line));
      }
      out.add(new Example(line.substring(0, tab).strip(), label.charAt(0) - '0'));
    }
    return out;
  }
}
